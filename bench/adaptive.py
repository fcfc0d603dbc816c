"""The adaptive benchmark: simulated learners with known abilities, every policy side by side.

Ground truth. A simulated learner has a true ability vector; the simulated bank has true item
parameters (the bank's own, so the engine's model is the right model). The learner is *truly
ready* when their expected exam score, computed from the true abilities and true parameters, is
>= the overall threshold and >= the category threshold in every category. No policy's output
enters that definition.

Common random numbers. For each seed one matrix of uniforms U (learner x item) is drawn; learner
l answers item j right iff U[l, j] < P_true(l, j). Every policy reads the same matrix, so they
differ only in which answers they look at and what they decide.

Policies: fixed-50 (the exam's raw-score rule on every answer), ceiling (the engine's posterior
on every answer, decided at 0.5), random (random order, the engine's stop rule), engine
(information about readiness, the engine's stop rule), and catsim (the catsim package's
maximum-information selector and maximum-likelihood estimator with its standard-error or
confidence-interval stoppers, one unidimensional ability, deciding at the common-ability cut).

Pure: plain data in and out, no Django. The simulate_adaptive command runs it (and
bench/adaptive_report.py words its figures); the product never imports it.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass

import numpy as np
import numpy.typing as npt
from scipy.special import expit

from questions import rules
from questions.adaptive.engine import (
    VERDICTS,
    Engine,
    FloatArray,
    ItemSpec,
    Response,
    Thresholds,
    Verdict,
    readiness_summary,
)

BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.intp]

CATEGORIES = rules.CATEGORIES
# Until the bank file exists: per category 3 beginner, 4 intermediate, 3 advanced, single choice
# with four options.
DEFAULT_LEVEL_MIX = ("beginner",) * 3 + ("intermediate",) * 4 + ("advanced",) * 3


def default_layout() -> tuple[ItemSpec, ...]:
    """The documented stand-in bank: 5 categories x 10 items at the level defaults."""
    items = []
    for category in CATEGORIES:
        for n, level in enumerate(DEFAULT_LEVEL_MIX, start=1):
            params = rules.default_item_parameters(level, "single", 4)
            items.append(
                ItemSpec(
                    f"{category}-{n:02d}",
                    category,
                    params.discrimination,
                    params.difficulty,
                    params.guessing,
                )
            )
    return tuple(items)


# ----- learners -----


@dataclass(frozen=True)
class Population:
    """Learners' abilities: multivariate normal, mean set so a given share is truly ready."""

    name: str
    description: str
    prevalence: float  # target share truly ready (before any `band` selection)
    sd: float
    correlation: float = 0.5
    # Keep only learners whose readiness margin (the smaller of overall - 90% and the weakest
    # category - 85%, in expected exam score) is within +-band: borderline learners, with the
    # same spread between their categories as the others.
    band: float | None = None


POPULATIONS = (
    Population("candidate", "candidates for the exam, about a quarter ready", 0.25, 1.0),
    Population("mixed", "a broad mix of learners, few ready", 0.05, 1.25),
    Population(
        "near-cut", "candidates within 3 points of the cut, about half ready", 0.25, 1.0, band=0.03
    ),
)
POPULATIONS_BY_NAME = {p.name: p for p in POPULATIONS}


def true_scores(
    theta: FloatArray, items: Sequence[ItemSpec], categories: Sequence[str]
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """P(right) per learner and item, expected category scores, expected overall score."""
    cat_index = np.array([categories.index(item.category) for item in items])
    a = np.array([item.discrimination for item in items])
    b = np.array([item.difficulty for item in items])
    c = np.array([item.guessing for item in items])
    p = c + (1 - c) * expit(a * (theta[:, cat_index] - b))
    membership = np.zeros((len(items), len(categories)))
    membership[np.arange(len(items)), cat_index] = 1
    return p, (p @ membership) / membership.sum(axis=0), p.mean(axis=1)


def is_ready(overall: FloatArray, category: FloatArray, thresholds: Thresholds) -> BoolArray:
    return (overall >= thresholds.overall) & (category.min(axis=1) >= thresholds.category)


def _correlated_normals(n: int, k: int, correlation: float, rng: np.random.Generator) -> FloatArray:
    corr = np.full((k, k), correlation) + np.eye(k) * (1 - correlation)
    return rng.standard_normal((n, k)) @ np.linalg.cholesky(corr).T


@functools.lru_cache(maxsize=32)
def population_mean(
    population: Population,
    items: tuple[ItemSpec, ...],
    categories: tuple[str, ...],
    thresholds: Thresholds,
) -> float:
    """The common mean ability at which `population.prevalence` of it is truly ready.

    Solved once per bank on a fixed large sample (bisection: readiness only grows with the mean).
    """
    z = _correlated_normals(
        20_000, len(categories), population.correlation, np.random.default_rng(0)
    )
    low, high = -4.0, 8.0
    for _ in range(24):
        mid = (low + high) / 2
        _, cat, overall = true_scores(mid + population.sd * z, items, list(categories))
        if is_ready(overall, cat, thresholds).mean() < population.prevalence:
            low = mid
        else:
            high = mid
    return (low + high) / 2


@dataclass(frozen=True)
class Cohort:
    """Simulated learners and their answers to every item (common random numbers)."""

    theta: FloatArray  # (L, K)
    answers: BoolArray  # (L, J): the answer each learner gives to each item, if asked
    true_category: FloatArray  # (L, K) expected category scores
    truly_ready: BoolArray  # (L,)


def make_cohort(
    population: Population,
    mean: float,
    items: Sequence[ItemSpec],
    categories: Sequence[str],
    thresholds: Thresholds,
    learners: int,
    rng: np.random.Generator,
) -> Cohort:
    kept: list[FloatArray] = []
    while sum(len(t) for t in kept) < learners:
        z = _correlated_normals(learners, len(categories), population.correlation, rng)
        theta = mean + population.sd * z
        if population.band is not None:
            _, cat, overall = true_scores(theta, items, categories)
            margin = np.minimum(overall - thresholds.overall, cat.min(axis=1) - thresholds.category)
            theta = theta[np.abs(margin) <= population.band]
        kept.append(theta)
    theta = np.vstack(kept)[:learners]
    p, cat, overall = true_scores(theta, items, categories)
    answers = rng.random(p.shape) < p
    return Cohort(theta, answers, cat, is_ready(overall, cat, thresholds))


# ----- policies -----


@dataclass(frozen=True)
class Outcome:
    """What a policy did for each learner."""

    ready: BoolArray  # (L,) its decision
    asked: IntArray  # (L,) questions asked before deciding
    category_estimate: FloatArray  # (L, K) its estimate of each expected category score


def fixed_exam(engine: Engine, cohort: Cohort) -> Outcome:
    """All items, the exam's own rule on the raw score."""
    membership = np.eye(len(engine.categories))[engine.item_category]
    category = (cohort.answers @ membership) / membership.sum(axis=0)
    overall = cohort.answers.mean(axis=1)
    n = len(cohort.answers)
    ready = is_ready(overall, category, engine.thresholds)
    return Outcome(ready, np.full(n, len(engine.items)), category)


def ceiling(engine: Engine, cohort: Cohort, chunk: int = 256) -> Outcome:
    """All items, the Bayesian decision (P(ready) >= 0.5): the best any policy can do."""
    ps = engine.particles
    ready, estimates = [], []
    for start in range(0, len(cohort.answers), chunk):
        answers = cohort.answers[start : start + chunk].astype(np.float64)
        log_lik = answers @ ps.log_lik[1] + (1 - answers) @ ps.log_lik[0]
        weights = engine.weights(log_lik)
        ready.append(engine.p_ready(weights) >= 0.5)
        estimates.append(weights @ ps.category_score)
    n = len(cohort.answers)
    return Outcome(np.concatenate(ready), np.full(n, len(engine.items)), np.vstack(estimates))


# Where a learner stops: (P(ready), answers per category) of the stopped learners -> certified.
IssuingRule = Callable[[FloatArray, IntArray], BoolArray]


def sequential(
    engine: Engine,
    cohort: Cohort,
    rng: np.random.Generator,
    *,
    random_order: bool = False,
    chunk: int = 256,
    issue: IssuingRule | None = None,
) -> Outcome:
    """Ask one item at a time until the engine's stop rule decides: the engine's choice, or
    (random_order) any unanswered item at random. Where a learner stops, `issue` decides the
    certificate (by default the engine's own verdict)."""
    n_learners, n_items = cohort.answers.shape
    k = len(engine.categories)
    ps = engine.particles
    ready = np.zeros(n_learners, dtype=bool)
    asked = np.zeros(n_learners, dtype=np.intp)
    estimate = np.zeros((n_learners, k))
    for start in range(0, n_learners, chunk):
        rows = np.arange(start, min(start + chunk, n_learners))
        log_lik = np.zeros((len(rows), ps.theta.shape[0]))
        answered = np.zeros((len(rows), n_items), dtype=bool)
        per_category = np.zeros((len(rows), k), dtype=np.intp)
        live = np.arange(len(rows))
        while len(live):
            weights = engine.weights(log_lik[live])
            summary = readiness_summary(weights, ps)
            p_ready = summary[:, n_items]
            count = answered[live].sum(axis=1)
            verdict, reason = engine.verdicts(p_ready, count, per_category[live])
            if engine.config.curtail is not None:
                # Only where the plain rule says "not confident yet" (as the engine does).
                check = np.flatnonzero(reason == 1)
                if len(check):
                    flip = np.ones(len(live))
                    flip[check] = engine.flip_probability(
                        weights[check], log_lik[live[check]], answered[live[check]], rng
                    )
                    verdict, reason = engine.verdicts(p_ready, count, per_category[live], flip)
            done = verdict != 0
            if done.any():
                finished = live[done]
                ready[rows[finished]] = (
                    verdict[done] == VERDICT_READY
                    if issue is None
                    else issue(p_ready[done], per_category[finished])
                )
                asked[rows[finished]] = answered[finished].sum(axis=1)
                estimate[rows[finished]] = weights[done] @ ps.category_score
            live, weights, summary = live[~done], weights[~done], summary[~done]
            if not len(live):
                break
            if random_order:
                item = np.where(answered[live], -1.0, rng.random(answered[live].shape))
                item = item.argmax(axis=1)
            else:
                item = engine.choose(weights, answered[live], per_category[live], rng, summary)
            right = cohort.answers[rows[live], item]
            log_lik[live] += ps.log_lik[right.astype(np.intp), item]
            answered[live, item] = True
            per_category[live, engine.item_category[item]] += 1
    return Outcome(ready, asked, estimate)


VERDICT_READY = VERDICTS.index(Verdict.READY)  # the engine's batch rule returns indexes


# ----- catsim -----


@dataclass(frozen=True)
class CatsimVariant:
    name: str
    stopper: str  # "se" or "ci"
    value: float  # the standard error to reach, or the confidence level


CATSIM_VARIANTS = (
    CatsimVariant("catsim-se0.35", "se", 0.35),
    CatsimVariant("catsim-se0.5", "se", 0.5),
    CatsimVariant("catsim-ci90", "ci", 0.90),
    CatsimVariant("catsim-ci95", "ci", 0.95),
)


def common_cut(engine: Engine) -> float:
    """The single ability at which a learner equal in every category becomes ready."""
    categories = list(engine.categories)
    low, high = -6.0, 10.0
    for _ in range(60):
        mid = (low + high) / 2
        _, cat, overall = true_scores(np.full((1, len(categories)), mid), engine.items, categories)
        if is_ready(overall, cat, engine.thresholds)[0]:
            high = mid
        else:
            low = mid
    return high


def catsim_policies(
    engine: Engine, cohort: Cohort, variants: Sequence[CatsimVariant] = CATSIM_VARIANTS
) -> dict[str, Outcome]:
    """catsim's own components, one trajectory per learner, each stopper read along it.

    The selector and estimator do not depend on the stopper, so one trajectory per learner
    serves every variant: each stops at the first step its stopper accepts (never before the
    engine's minimum number of answers), and decides ready iff the estimate is >= the cut.
    """
    from catsim.estimation import NumericalSearchEstimator
    from catsim.item_bank import ItemBank
    from catsim.selection import MaxInfoSelector
    from catsim.stopping import ConfidenceIntervalStopper, MinErrorStopper

    params = np.array([[it.discrimination, it.difficulty, it.guessing, 1.0] for it in engine.items])
    bank = ItemBank(params)
    cut = common_cut(engine)
    n_items = len(engine.items)
    min_items = min(engine.config.min_answers, n_items)
    stoppers = [
        MinErrorStopper(v.value, min_items=min_items, max_items=n_items)
        if v.stopper == "se"
        else ConfidenceIntervalStopper(
            [cut], confidence=v.value, min_items=min_items, max_items=n_items
        )
        for v in variants
    ]
    selector, estimator = MaxInfoSelector(), NumericalSearchEstimator()
    categories = list(engine.categories)
    n_learners = len(cohort.answers)
    stop_theta = np.zeros((len(variants), n_learners))
    stop_at = np.zeros((len(variants), n_learners), dtype=np.intp)
    for learner in range(n_learners):
        theta = 0.0
        administered: list[int] = []
        responses: list[bool] = []
        pending = set(range(len(variants)))
        while pending:
            item = selector.select(item_bank=bank, administered_items=administered, est_theta=theta)
            # Every stopper stops at max_items, so an item is left to select while one is pending.
            assert item is not None
            administered.append(int(item))
            responses.append(bool(cohort.answers[learner, item]))
            theta = float(
                estimator.estimate(
                    item_bank=bank,
                    administered_items=administered,
                    response_vector=responses,
                    est_theta=theta,
                )
            )
            asked = bank.get_items(administered)
            for v in list(pending):
                if stoppers[v].stop(administered_items=asked, theta=theta):
                    stop_theta[v, learner], stop_at[v, learner] = theta, len(administered)
                    pending.discard(v)
    outcomes = {}
    for v, variant in enumerate(variants):
        theta = np.clip(stop_theta[v], -6, 10)[:, None] * np.ones((1, len(categories)))
        _, cat, _ = true_scores(theta, engine.items, categories)
        outcomes[variant.name] = Outcome(stop_theta[v] >= cut, stop_at[v], cat)
    return outcomes


# ----- metrics -----


@dataclass(frozen=True)
class Metrics:
    accuracy: float  # share of learners decided as their truth
    false_certify: float  # share of all learners certified but not truly ready
    false_fail: float  # share of all learners truly ready but told "not yet"
    mean_questions: float
    p90_questions: float
    min_questions: int
    estimate_error: float  # RMSE of the category score estimates, in points (0-100)
    seconds: float


def measure(outcome: Outcome, cohort: Cohort, seconds: float) -> Metrics:
    truth = cohort.truly_ready
    error = (outcome.category_estimate - cohort.true_category) * 100
    return Metrics(
        accuracy=float((outcome.ready == truth).mean()),
        false_certify=float((outcome.ready & ~truth).mean()),
        false_fail=float((~outcome.ready & truth).mean()),
        mean_questions=float(outcome.asked.mean()),
        p90_questions=float(np.percentile(outcome.asked, 90)),
        min_questions=int(outcome.asked.min()),
        estimate_error=float(np.sqrt((error**2).mean())),
        seconds=seconds,
    )


@dataclass(frozen=True)
class RunResult:
    population: str
    seed: int
    learners: int
    truly_ready: float
    mean_ability: float
    metrics: dict[str, Metrics]


def run_population(
    engine: Engine,
    population: Population,
    seed: int,
    learners: int,
    *,
    policies: Sequence[str] = ("fixed-50", "ceiling", "random", "engine", "catsim"),
) -> RunResult:
    """Every policy on the same cohort (common random numbers) for one seed."""
    categories = list(engine.categories)
    mean = population_mean(population, engine.items, engine.categories, engine.thresholds)
    rng = np.random.default_rng(
        [seed, POPULATIONS.index(population) if population in POPULATIONS else 99]
    )
    cohort = make_cohort(
        population, mean, engine.items, categories, engine.thresholds, learners, rng
    )
    metrics: dict[str, Metrics] = {}

    def timed(name: str, run: Callable[[], Outcome], on: Cohort = cohort) -> None:
        started = time.perf_counter()
        outcome = run()
        metrics[name] = measure(outcome, on, time.perf_counter() - started)

    runs: dict[str, Callable[[], Outcome]] = {
        "fixed-50": lambda: fixed_exam(engine, cohort),
        "ceiling": lambda: ceiling(engine, cohort),
        "random": lambda: sequential(
            engine, cohort, np.random.default_rng([seed, 1]), random_order=True
        ),
        "engine": lambda: sequential(engine, cohort, np.random.default_rng([seed, 2])),
    }
    for name in policies:
        if name in runs:
            timed(name, runs[name])
    if "catsim" in policies:
        started = time.perf_counter()
        outcomes = catsim_policies(engine, cohort)
        seconds = (time.perf_counter() - started) / len(outcomes)
        for name, outcome in outcomes.items():
            metrics[name] = measure(outcome, cohort, seconds)
    return RunResult(
        population.name, seed, learners, float(cohort.truly_ready.mean()), mean, metrics
    )


def summarize(results: Sequence[RunResult]) -> dict[str, dict[str, dict[str, float]]]:
    """Mean over seeds of every metric, per population and policy."""
    summary: dict[str, dict[str, dict[str, float]]] = {}
    for population in dict.fromkeys(r.population for r in results):
        runs = [r for r in results if r.population == population]
        policies = runs[0].metrics.keys()
        summary[population] = {
            policy: {
                key: float(np.mean([asdict(r.metrics[policy])[key] for r in runs]))
                for key in asdict(runs[0].metrics[policy])
            }
            | {"min_questions": float(min(r.metrics[policy].min_questions for r in runs))}
            for policy in policies
        }
        summary[population]["_population"] = {
            "truly_ready": float(np.mean([r.truly_ready for r in runs])),
            "mean_ability": runs[0].mean_ability,
        }
    return summary


# ----- targets -----


FULL_LENGTH = ("fixed-50", "ceiling")


@dataclass(frozen=True)
class Target:
    name: str
    met: bool
    detail: str


def check_targets(summary: dict[str, dict[str, dict[str, float]]]) -> list[Target]:
    """The engine's targets, on whatever the summary holds (means over seeds)."""
    candidate = summary.get("candidate", {})
    targets = [
        *_ceiling_targets(candidate),
        *_length_targets(candidate),
        *_catsim_targets(candidate),
    ]
    for population, rows in summary.items():
        targets += _population_targets(population, rows)
    return targets


def _ceiling_targets(candidate: dict[str, dict[str, float]]) -> list[Target]:
    engine, ceil = candidate.get("engine"), candidate.get("ceiling")
    if not engine or ceil is None:
        return []
    gap = (engine["accuracy"] - ceil["accuracy"]) * 100
    return [
        Target(
            "candidate: accuracy within 0.5 points of ceiling",
            gap >= -0.5,
            f"engine {engine['accuracy']:.2%} vs ceiling {ceil['accuracy']:.2%} "
            f"({gap:+.2f} points)",
        ),
        Target(
            "candidate: false-certify no higher than ceiling's",
            engine["false_certify"] <= ceil["false_certify"],
            f"engine {engine['false_certify']:.2%} vs ceiling {ceil['false_certify']:.2%}",
        ),
    ]


def _length_targets(candidate: dict[str, dict[str, float]]) -> list[Target]:
    engine = candidate.get("engine")
    if not engine:
        return []
    mean = engine["mean_questions"]
    return [
        Target("candidate: mean questions <= 25", mean <= 25, f"{mean:.1f}"),
        Target("stretch, candidate: mean questions <= 15", mean <= 15, f"{mean:.1f}"),
    ]


def _catsim_targets(candidate: dict[str, dict[str, float]]) -> list[Target]:
    engine = candidate.get("engine")
    catsims = {k: v for k, v in candidate.items() if k.startswith("catsim")}
    if not engine or not catsims:
        return []
    best_name = max(catsims, key=lambda k: (catsims[k]["accuracy"], -catsims[k]["mean_questions"]))
    best = catsims[best_name]
    lead = (engine["accuracy"] - best["accuracy"]) * 100
    ratio = engine["mean_questions"] / best["mean_questions"]
    return [
        Target(
            "candidate: accuracy >= catsim's best + 2 points",
            lead >= 2,
            f"engine {engine['accuracy']:.2%} vs {best_name} {best['accuracy']:.2%} "
            f"({lead:+.2f} points)",
        ),
        Target(
            "candidate: <= 0.6x the questions of catsim's best",
            ratio <= 0.6,
            f"{engine['mean_questions']:.1f} vs {best['mean_questions']:.1f} ({ratio:.2f}x)",
        ),
    ]


def _population_targets(population: str, rows: dict[str, dict[str, float]]) -> list[Target]:
    targets = []
    adaptive = {k: v for k, v in rows.items() if not k.startswith("_") and k not in FULL_LENGTH}
    if adaptive:
        fewest = min(v["min_questions"] for v in adaptive.values())
        targets.append(
            Target(
                f"{population}: no decision before 5 answers",
                fewest >= 5,
                f"fewest answers before a decision: {fewest:.0f}",
            )
        )
    if "engine" in rows and "fixed-50" in rows:
        gap = (rows["engine"]["accuracy"] - rows["fixed-50"]["accuracy"]) * 100
        targets.append(
            Target(
                f"{population}: engine no worse than fixed-50 on accuracy",
                gap >= 0,
                f"engine {rows['engine']['accuracy']:.2%} vs fixed-50 "
                f"{rows['fixed-50']['accuracy']:.2%} ({gap:+.2f} points)",
            )
        )
    return targets


# ----- latency -----


@dataclass(frozen=True)
class Latency:
    calls: int
    next_item_p50_ms: float
    next_item_p95_ms: float
    step_p50_ms: float
    step_p95_ms: float


def measure_latency(engine: Engine, sessions: int = 20, seed: int = 0) -> Latency:
    """Time the product's calls as a request would make them: from the answers alone.

    Each simulated session answers every item in the engine's order; at each point both
    `next_item` (selection only) and `step` (the stop rule, curtailment included, then the
    selection) are timed from a cold list of responses (nothing cached per learner).
    """
    rng = np.random.default_rng(seed)
    categories = list(engine.categories)
    select, step = [], []
    for session in range(sessions):
        theta = 2.0 + rng.standard_normal((1, len(categories)))
        p, _, _ = true_scores(theta, engine.items, categories)
        responses: list[Response] = []
        while True:
            started = time.perf_counter()
            item = engine.next_item(responses, seed=session)
            select.append(time.perf_counter() - started)
            started = time.perf_counter()
            engine.step(responses, seed=session)
            step.append(time.perf_counter() - started)
            if item is None:
                break
            j = engine.index[item]
            responses.append(Response(item, bool(rng.random() < p[0, j])))
    ms = 1000
    return Latency(
        calls=len(select),
        next_item_p50_ms=float(np.percentile(select, 50) * ms),
        next_item_p95_ms=float(np.percentile(select, 95) * ms),
        step_p50_ms=float(np.percentile(step, 50) * ms),
        step_p95_ms=float(np.percentile(step, 95) * ms),
    )
