"""Refitting item parameters from answers: recovers known parameters, leaves sparse items alone."""

from __future__ import annotations

import numpy as np
from scipy.special import expit

from questions.adaptive import CalibrationPriors, ItemSpec, Response, calibrate

TRUE = (  # (a, b, c) of one category's items
    (0.8, -1.5, 0.20),
    (1.0, -0.5, 0.15),
    (1.5, 0.0, 0.20),
    (1.2, 0.8, 0.25),
    (1.8, 1.5, 0.20),
    (1.0, 2.2, 0.10),
)
PRIORS = CalibrationPriors(ability_mean=0.5, ability_sd=1.2)


def simulate(learners: int, seed: int) -> list[list[Response]]:
    rng = np.random.default_rng(seed)
    theta = PRIORS.ability_mean + PRIORS.ability_sd * rng.standard_normal(learners)
    params = np.array(TRUE)
    p = params[:, 2] + (1 - params[:, 2]) * expit(params[:, 0] * (theta[:, None] - params[:, 1]))
    right = rng.random(p.shape) < p
    return [
        [Response(f"basics-{j + 1:02d}", bool(right[i, j])) for j in range(len(TRUE))]
        for i in range(learners)
    ]


def starting_items() -> list[ItemSpec]:
    # Everything starts at the level defaults' middle: the fit has to find the real parameters.
    return [ItemSpec(f"basics-{j + 1:02d}", "basics", 1.2, 0.0, 0.2) for j in range(len(TRUE))]


def test_calibration_recovers_known_parameters() -> None:
    fits = calibrate(starting_items(), simulate(2000, seed=1), min_answers=200, priors=PRIORS)
    assert all(fit.refitted and fit.answers == 2000 for fit in fits)
    b_error = [abs(fit.item.difficulty - true[1]) for fit, true in zip(fits, TRUE, strict=True)]
    # Discrimination is identified only where learners are: skip the item above nearly all.
    a_error = [
        abs(fit.item.discrimination - true[0])
        for fit, true in zip(fits, TRUE, strict=True)
        if true[1] < 2
    ]
    assert max(b_error) < 0.4, b_error
    assert max(a_error) < 0.5, a_error
    # Ordered right: the fit tells easy from hard items.
    assert [fit.item.difficulty for fit in fits] == sorted(fit.item.difficulty for fit in fits)


def test_items_with_too_few_answers_are_left_alone() -> None:
    attempts = simulate(300, seed=2)
    # basics-06 was answered by 40 learners only.
    sparse = [[r for r in a if r.item_id != "basics-06" or i < 40] for i, a in enumerate(attempts)]
    fits = calibrate(starting_items(), sparse, min_answers=100, priors=PRIORS)
    by_id = {fit.item.id: fit for fit in fits}
    assert by_id["basics-06"].answers == 40
    assert not by_id["basics-06"].refitted
    assert by_id["basics-06"].item == starting_items()[5]
    assert by_id["basics-01"].refitted


def test_priors_keep_a_small_sample_sane() -> None:
    fits = calibrate(starting_items(), simulate(120, seed=3), min_answers=100, priors=PRIORS)
    for fit in fits:
        assert 0.2 <= fit.item.discrimination <= 4.0
        assert -5 <= fit.item.difficulty <= 5
        assert 0.02 <= fit.item.guessing <= 0.45  # the Beta prior holds it near 0.2


def test_answers_to_unknown_items_are_ignored() -> None:
    attempts = [[*a, Response("retired-01", True)] for a in simulate(250, seed=4)]
    fits = calibrate(starting_items(), attempts, min_answers=200, priors=PRIORS)
    assert len(fits) == len(TRUE)


def test_a_refit_says_how_precisely_it_knows_the_parameters() -> None:
    few = calibrate(starting_items(), simulate(250, seed=3), min_answers=200, priors=PRIORS)
    many = calibrate(starting_items(), simulate(4000, seed=3), min_answers=200, priors=PRIORS)
    for sparse, dense in zip(few, many, strict=True):
        assert sparse.errors is not None
        assert dense.errors is not None
        # More answers, tighter estimates (about 1/sqrt(n) for the difficulty).
        assert dense.errors[1] < sparse.errors[1]
    middle = many[2]  # a = 1.5 at b = 0, where the learners are
    assert middle.precise(0.3)
    assert not few[5].precise(0.1)
    assert calibrate(starting_items(), [], min_answers=1)[0].errors is None


def test_variants_without_answers_of_their_own_take_their_familys_fit() -> None:
    # Six variants of one scenario (the true parameters of basics-03), each answered by a sixth
    # of the learners: too few alone, enough pooled.
    attempts = simulate(1200, seed=4)
    variants = [
        ItemSpec(f"basics-v{k}", "basics", 1.2, 0.0, 0.2, family="one-scenario") for k in range(6)
    ]
    pooled = [
        [r for r in a if r.item_id != "basics-03"]
        + [Response(f"basics-v{i % 6}", r.correct) for r in a if r.item_id == "basics-03"]
        for i, a in enumerate(attempts)
    ]
    items = [item for item in starting_items() if item.id != "basics-03"] + variants
    fits = {fit.item.id: fit for fit in calibrate(items, pooled, min_answers=400, priors=PRIORS)}
    for k in range(6):
        fit = fits[f"basics-v{k}"]
        assert fit.answers == 200
        assert fit.refitted
        assert fit.source == "family"
        assert abs(fit.item.difficulty - TRUE[2][1]) < 0.4
    assert fits["basics-01"].source == "item"
    # Without the family pass, they would keep their starting parameters.
    alone = calibrate(items, pooled, min_answers=400, priors=PRIORS, by_family=False)
    assert not any(fit.refitted for fit in alone if fit.item.family)
