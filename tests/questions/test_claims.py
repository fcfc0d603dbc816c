"""Claims: what a generated item's option says its program does, checked against a run."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from lessons.scenarios import Outcome
from questions.claims import Claim, true_options
from tests.purity import django_modules_imported_by

RUN = Outcome(printed=("a", "b", "a", "c"), raised="ValueError: bad")


def test_the_module_imports_without_django() -> None:
    assert django_modules_imported_by("questions.claims") == []


@pytest.mark.parametrize(
    ("claim", "holds"),
    [
        (Claim(printed=("a", "b", "a", "c")), True),
        (Claim(printed=("a", "b", "c")), False),
        (Claim(raises="ValueError"), True),
        (Claim(raises=""), False),
        (Claim(printed=("a", "b", "a", "c"), raises=""), False),  # every part must hold
        (Claim(includes=("a", "c")), True),
        (Claim(includes=("c", "a")), False),  # in this order
        (Claim(excludes=("d",)), True),
        (Claim(excludes=("d", "b")), False),
        (Claim(last="c"), True),
        (Claim(count=("a", 2)), True),
        (Claim(count=("a", 1)), False),
        (Claim(last="c", negated=True), False),
        (Claim(last="a", negated=True), True),
    ],
)
def test_a_claim_holds_when_every_part_it_states_holds(claim: Claim, holds: bool) -> None:
    assert claim.holds(RUN) is holds


def test_a_claim_states_something_and_nothing_unknown() -> None:
    with pytest.raises(ValidationError, match="states at least one"):
        Claim()
    with pytest.raises(ValidationError):
        Claim.model_validate({"printed": ["a"], "prints": ["a"]})


def test_the_bank_writes_only_what_a_claim_states() -> None:
    assert Claim(printed=("a",), raises="").as_data() == {"printed": ["a"], "raises": ""}
    assert Claim(last="x").negation().as_data() == {"last": "x", "negated": True}
    assert Claim(last="x").negation().negation() == Claim(last="x")


def test_the_derived_key_is_every_claim_the_run_made_true() -> None:
    claims = [Claim(last="a"), Claim(last="c"), Claim(raises="ValueError"), Claim(count=("b", 2))]
    assert true_options(claims, RUN) == {1, 2}
