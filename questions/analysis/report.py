"""The item analysis: per item and per quiz figures from the answers (numpy, no Django).

Definitions (the report page repeats them for instructors):

- facility: the share of an item's answers that are right (left unanswered counts as wrong);
- point-biserial: corrected item-total correlation, the item's 0/1 score against the share right
  of the *other* scored answers in the same attempt;
- upper-lower index: facility among the top 27% of the learners who answered the item minus
  facility among the bottom 27%;
- learners are ranked within their quiz: by share right of the scored answers on a fixed-form
  quiz, by ability estimate (EAP under the engine's prior, from the items' parameters in use) on
  certification exams, where every learner has a form of their own;
- only answers to an item's current version enter its figures (an earlier version was another
  item); every answer in the attempt enters the attempt's score, as it did when it was scored.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from questions.analysis import flags
from questions.analysis.stats import (
    Abilities,
    BoolArray,
    DecisionRule,
    FloatArray,
    IntArray,
    abilities,
    correlation_by_group,
    decision_consistency,
    extreme_groups,
    group_counts,
    group_sums,
    kr20,
    marginal_reliability,
    rank_within_groups,
    safe_divide,
)
from questions.analysis.tables import (
    Answers,
    Item,
    ItemRow,
    OptionRow,
    QuizInfo,
    QuizRow,
    Report,
    Rules,
)

# The quiz's readiness rule for decision consistency, or None where it does not apply.
RuleFor = Callable[[QuizInfo], DecisionRule | None]


@dataclass(frozen=True)
class _Attempts:
    """Per-attempt figures; `index` maps each answer to its attempt (0..count-1)."""

    index: IntArray
    count: int
    quiz: IntArray
    right: FloatArray  # scored answers right
    asked: FloatArray  # scored answers served
    passed: BoolArray
    ability: Abilities
    rank: FloatArray  # percentile within its quiz, by score or by ability


def _attempts(
    answers: Answers, quizzes: Sequence[QuizInfo], item_params: FloatArray, rules: Rules
) -> _Attempts:
    ids, index = np.unique(answers.attempt, return_inverse=True)
    count = len(ids)
    first = np.zeros(count, dtype=np.int64)
    first[index[::-1]] = np.arange(len(index))[::-1]
    quiz = answers.quiz[first]
    scored = answers.scored
    right = group_sums(index[scored], answers.correct[scored].astype(float), count)
    asked = group_counts(index[scored], count).astype(float)
    ability = abilities(
        index[scored],
        answers.item[scored],
        answers.correct[scored],
        item_params,
        count,
        prior_mean=rules.prior_mean,
        prior_sd=rules.prior_sd,
    )
    by_ability = np.array([q.exam for q in quizzes], dtype=bool)[quiz] if count else quiz > 0
    share = safe_divide(right, asked)
    key = np.where(by_ability, ability.mean, np.nan_to_num(share))
    position, size = rank_within_groups(quiz, key, len(quizzes))
    rank = (position + 0.5) / np.maximum(size, 1)
    return _Attempts(
        index, count, quiz, right, asked, answers.passed[first], ability, rank.astype(float)
    )


def time_spent(attempt: IntArray, answered_at: FloatArray, started_at: FloatArray) -> FloatArray:
    """Seconds from the previous answer in the same attempt (or its start) to this one; nan when
    unanswered. Answers carry no time served, so this is the gap the learner spent on it."""
    order = np.lexsort((answered_at, attempt))
    stamps = answered_at[order]
    previous = np.roll(stamps, 1)
    same = np.roll(attempt[order], 1) == attempt[order]
    same[:1] = False
    previous = np.where(same & np.isfinite(previous), previous, started_at[order])
    spent = np.full(len(attempt), np.nan)
    spent[order] = stamps - previous
    return spent


def item_report(
    items: Sequence[Item],
    quizzes: Sequence[QuizInfo],
    answers: Answers,
    *,
    rules: Rules | None = None,
    rule_for: RuleFor | None = None,
) -> Report:
    rules = rules or Rules()
    item_params = _item_params(items)
    params = item_params[answers.item] if len(answers) else np.zeros((0, 3))
    attempts = _attempts(answers, quizzes, item_params, rules)
    figures = _ItemFigures.compute(items, quizzes, answers, attempts, params, rules)
    rows = tuple(figures.row(j, item, rules) for j, item in enumerate(items))
    quiz_rows = tuple(
        _quiz_row(q, quiz, items, answers, attempts, rule_for) for q, quiz in enumerate(quizzes)
    )
    basis = exposure(answers, attempts.index, quizzes, len(items))[1]
    return Report(
        rows, quiz_rows, answers=len(answers), attempts=attempts.count, exposure_basis=basis
    )


def _item_params(items: Sequence[Item]) -> FloatArray:
    return np.array(
        [[i.discrimination, i.difficulty, i.guessing] for i in items] or np.zeros((0, 3)),
        dtype=float,
    )


def _share(numerator: FloatArray, denominator: np.ndarray) -> FloatArray:
    return safe_divide(numerator, denominator.astype(float))


def _facility_gap(
    item: IntArray, x: FloatArray, high: BoolArray, low: BoolArray, size: int
) -> FloatArray:
    """Facility among the `high` answers minus facility among the `low` ones, per item."""
    upper = _share(group_sums(item[high], x[high], size), group_counts(item[high], size))
    lower = _share(group_sums(item[low], x[low], size), group_counts(item[low], size))
    return np.asarray(upper - lower, dtype=float)


def _value(array: FloatArray, j: int) -> float | None:
    value = float(array[j])
    return None if np.isnan(value) else value


@dataclass(frozen=True)
class _ItemFigures:
    n: IntArray
    facility: FloatArray
    point_biserial: FloatArray
    upper_lower: FloatArray
    seconds: FloatArray
    exposure: FloatArray
    answered: IntArray
    offsets: IntArray
    option_counts: tuple[FloatArray, FloatArray, FloatArray]  # overall, top, bottom
    third_sizes: tuple[IntArray, IntArray]  # top, bottom
    drift: flags.Drift

    @classmethod
    def compute(
        cls,
        items: Sequence[Item],
        quizzes: Sequence[QuizInfo],
        answers: Answers,
        attempts: _Attempts,
        params: FloatArray,
        rules: Rules,
    ) -> _ItemFigures:
        size = len(items)
        current = answers.current
        item, att = answers.item[current], attempts.index[current]
        x = answers.correct[current].astype(float)
        n = group_counts(item, size)
        rank = attempts.rank[att]
        low, high = extreme_groups(item, rank, size, 0.27)
        bottom, top = extreme_groups(item, rank, size, 1 / 3)
        offsets = np.concatenate(([0], np.cumsum([len(i.options) for i in items]))).astype(np.int64)
        spent = time_spent(attempts.index, answers.answered_at, answers.started_at)[current]
        timed = np.isfinite(spent)
        answered_rows = np.isfinite(answers.answered_at)
        return cls(
            n=n,
            facility=_share(group_sums(item, x, size), n),
            point_biserial=_point_biserial(answers, attempts, size),
            upper_lower=_facility_gap(item, x, high, low, size),
            seconds=_share(
                group_sums(item[timed], spent[timed], size), group_counts(item[timed], size)
            ),
            exposure=exposure(answers, attempts.index, quizzes, size)[0],
            answered=group_counts(answers.item[answered_rows], size),
            offsets=offsets,
            option_counts=_option_counts(answers, offsets, top, bottom),
            third_sizes=(group_counts(item[top], size), group_counts(item[bottom], size)),
            drift=flags.Drift.compute(items, answers, attempts.index, attempts.ability, params),
        )

    def options(self, j: int, item: Item) -> tuple[OptionRow, ...]:
        overall, top, bottom = self.option_counts
        top_n, bottom_n = self.third_sizes[0][j], self.third_sizes[1][j]
        rows = []
        for k, option in enumerate(item.options):
            flat = self.offsets[j] + k
            rows.append(
                OptionRow(
                    label=option.label,
                    keyed=option.keyed,
                    chosen=int(overall[flat]),
                    share=float(overall[flat] / self.n[j]) if self.n[j] else None,
                    top_share=float(top[flat] / top_n) if top_n else None,
                    bottom_share=float(bottom[flat] / bottom_n) if bottom_n else None,
                )
            )
        return tuple(rows)

    def row(self, j: int, item: Item, rules: Rules) -> ItemRow:
        options = self.options(j, item)
        base = ItemRow(
            id=item.id,
            category=item.category,
            level=item.level,
            pool=item.pool,
            status=item.status,
            calibration=item.calibration_status,
            discrimination=item.discrimination,
            difficulty=item.difficulty,
            guessing=item.guessing,
            answers=int(self.n[j]),
            facility=_value(self.facility, j),
            sd=_sd(_value(self.facility, j)),
            point_biserial=_value(self.point_biserial, j),
            upper_lower=_value(self.upper_lower, j),
            mean_seconds=_value(self.seconds, j),
            exposure=_value(self.exposure, j),
            options=options,
            flags=(),
            all_answers=int(self.answered[j]),
        )
        found = flags.item_flags(item, base, self.drift.for_item(j), rules)
        return ItemRow(**{**base.__dict__, "flags": found})


def _sd(facility: float | None) -> float | None:
    return None if facility is None else float(np.sqrt(facility * (1 - facility)))


def _point_biserial(answers: Answers, attempts: _Attempts, size: int) -> FloatArray:
    current = answers.current
    att = attempts.index[current]
    x = answers.correct[current].astype(float)
    s = answers.scored[current].astype(float)
    rest_n = attempts.asked[att] - s
    usable = rest_n > 0
    rest = (attempts.right[att][usable] - (x * s)[usable]) / rest_n[usable]
    return correlation_by_group(answers.item[current][usable], x[usable], rest, size)


def exposure(
    answers: Answers, attempt_index: IntArray, quizzes: Sequence[QuizInfo], size: int
) -> tuple[FloatArray, str]:
    """Share of the exam forms in the report that asked the item (a form's items are its
    answers), and what that is a share of. Certification attempts from before forms were
    assembled count as forms only when the report has no assembled form at all."""
    exam_quiz = np.array([q.exam for q in quizzes] or [False], dtype=bool)
    rows = exam_quiz[answers.quiz] if len(answers) else np.zeros(0, dtype=bool)
    basis = "finished certification exams (none with an assembled form)"
    if answers.on_form is not None and answers.on_form[rows].any():
        rows = rows & answers.on_form
        basis = "exam forms"
    exams = len(np.unique(attempt_index[rows]))
    if not exams:
        return np.full(size, np.nan), ""
    return group_counts(answers.item[rows], size) / exams, f"{exams} {basis}"


def _option_counts(
    answers: Answers, offsets: IntArray, top: BoolArray, bottom: BoolArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    size = int(offsets[-1])
    current_index = np.full(len(answers), -1, dtype=np.int64)
    current_index[answers.current] = np.arange(int(answers.current.sum()))
    row = current_index[answers.chosen_answer]
    keep = row >= 0
    row, option = row[keep], answers.chosen_option[keep]
    flat = offsets[answers.item[answers.current][row]] + option
    return (
        group_counts(flat, size).astype(float),
        group_counts(flat[top[row]], size).astype(float),
        group_counts(flat[bottom[row]], size).astype(float),
    )


def _quiz_row(
    q: int,
    quiz: QuizInfo,
    items: Sequence[Item],
    answers: Answers,
    attempts: _Attempts,
    rule_for: RuleFor | None,
) -> QuizRow:
    mine = np.flatnonzero(attempts.quiz == q)
    share = safe_divide(attempts.right[mine], attempts.asked[mine])
    scored = np.isfinite(share)
    deciles = np.minimum((np.nan_to_num(share[scored]) * 10).astype(np.int64), 9)
    correct, totals, categories = _category_counts(mine, items, answers, attempts)
    met = correct * 100 >= quiz.category_threshold * totals
    asked = totals > 0
    rates = {
        category: float(met[asked[:, k], k].mean())
        for k, category in enumerate(categories)
        if asked[:, k].any()
    }
    reliability, kind, basis, mean_se = _reliability(q, quiz, mine, answers, attempts)
    rule = rule_for(quiz) if rule_for else None
    return QuizRow(
        id=quiz.id,
        slug=quiz.slug,
        title=quiz.title,
        exam=quiz.exam,
        attempts=len(mine),
        mean_score=float(share[scored].mean()) if scored.any() else None,
        histogram=tuple(int(v) for v in np.bincount(deciles, minlength=10)),
        pass_rate=float(attempts.passed[mine].mean()) if len(mine) else None,
        category_pass_rates=rates,
        reliability=reliability,
        reliability_kind=kind,
        reliability_basis=basis,
        mean_se=mean_se,
        decision_consistency=(
            decision_consistency(correct, totals, rule) if rule is not None else None
        ),
    )


def _category_counts(
    mine: IntArray, items: Sequence[Item], answers: Answers, attempts: _Attempts
) -> tuple[IntArray, IntArray, list[str]]:
    """Scored right and asked per (attempt of `mine`, category), categories in first-seen order."""
    categories = list(dict.fromkeys(item.category for item in items))
    of_item = np.array([categories.index(item.category) for item in items] or [0])
    local = np.full(attempts.count, -1, dtype=np.int64)
    local[mine] = np.arange(len(mine))
    row_local = local[attempts.index]
    keep = (row_local >= 0) & answers.scored
    k = max(len(categories), 1)
    flat = row_local[keep] * k + of_item[answers.item[keep]]
    size = len(mine) * k
    correct = group_sums(flat, answers.correct[keep].astype(float), size).reshape(len(mine), k)
    totals = group_counts(flat, size).reshape(len(mine), k)
    return correct.astype(np.int64), totals, categories


def _reliability(
    q: int, quiz: QuizInfo, mine: IntArray, answers: Answers, attempts: _Attempts
) -> tuple[float | None, str, str, float | None]:
    if quiz.exam:
        ability = Abilities(attempts.ability.mean[mine], attempts.ability.sd[mine])
        mean_se = float(ability.sd.mean()) if len(mine) else None
        basis = f"{len(mine)} exam forms, ability estimates from the items' parameters in use"
        return marginal_reliability(ability), "IRT marginal", basis, mean_se
    value, learners, form_items = _kr20_of_common_form(mine, answers, attempts)
    basis = f"{learners} attempts that were asked the same {form_items} scored items"
    return value, "KR-20", basis, None


def _kr20_of_common_form(
    mine: IntArray, answers: Answers, attempts: _Attempts
) -> tuple[float | None, int, int]:
    """KR-20 on the attempts that share the quiz's most common set of scored items (a quiz
    that samples its questions gives each attempt its own set; KR-20 needs one)."""
    if not len(mine):
        return None, 0, 0
    rows = np.flatnonzero(np.isin(attempts.index, mine) & answers.scored)
    weights = np.random.default_rng(7).random(int(answers.item.max()) + 1)
    signature = group_sums(attempts.index[rows], weights[answers.item[rows]], attempts.count)
    keys = np.round(signature[mine], 9) + 1000 * attempts.asked[mine]
    values, counts = np.unique(keys, return_counts=True)
    modal = mine[keys == values[np.argmax(counts)]]
    in_form = rows[np.isin(attempts.index[rows], modal)]
    form_items, column = np.unique(answers.item[in_form], return_inverse=True)
    line = np.searchsorted(modal, attempts.index[in_form])
    matrix = np.zeros((len(modal), len(form_items)))
    matrix[line, column] = answers.correct[in_form]
    return kr20(matrix), len(modal), len(form_items)
