"""What an option of a generated item claims about its program, in a form a run can check.

A generated item's options are claims about what its scenario's program does: the lines it
prints, the exception it raises. The bank stores each option's claim beside its text, so that
`verify_items` can run the program again on the installed SDK and see which claims hold: the
derived key. A claim holds when every part it states holds (a conjunction), or, `negated`, when
they do not all hold (the "False" of a true/false item).

Pure: no Django imports.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, model_validator

Lines = tuple[str, ...]


class RunOutcome(Protocol):
    """What a claim is checked against (lessons.scenarios.program.Outcome is one)."""

    @property
    def printed(self) -> tuple[str, ...]: ...

    @property
    def raised_type(self) -> str: ...


class Claim(BaseModel):
    """One option's claim. Every part given must hold.

    printed: the program prints exactly these lines.
    raises: it raises an exception of this type ("" for: it raises nothing).
    includes: these lines are printed, in this order (others may come between).
    excludes: none of these lines is printed.
    last: its last printed line is this one.
    count: (line, n): this line is printed exactly n times.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    printed: Lines | None = None
    raises: str | None = None
    includes: Lines | None = None
    excludes: Lines | None = None
    last: str | None = None
    count: tuple[str, Annotated[int, Field(ge=0)]] | None = None
    negated: Literal[True] | None = None

    @model_validator(mode="after")
    def _states_something(self) -> Claim:
        if all(getattr(self, part) is None for part in _PARTS):
            raise ValueError("A claim states at least one of: " + ", ".join(_PARTS) + ".")
        return self

    def holds(self, outcome: RunOutcome) -> bool:
        verdict = all(_CHECKS[part](getattr(self, part), outcome) for part in self.parts())
        return verdict != bool(self.negated)

    def parts(self) -> list[str]:
        return [part for part in _PARTS if getattr(self, part) is not None]

    def negation(self) -> Claim:
        return self.model_copy(update={"negated": None if self.negated else True})

    def as_data(self) -> dict[str, Any]:
        """The claim as the bank file writes it: only the parts it states, lists for tuples."""
        data: dict[str, Any] = {}
        for part in self.parts():
            value = getattr(self, part)
            data[part] = list(value) if isinstance(value, tuple) else value
        if self.negated:
            data["negated"] = True
        return data


def _subsequence(wanted: Sequence[str], lines: Sequence[str]) -> bool:
    remaining = iter(lines)
    return all(any(line == item for line in remaining) for item in wanted)


_CHECKS = {
    "printed": lambda value, outcome: tuple(outcome.printed) == tuple(value),
    "raises": lambda value, outcome: outcome.raised_type == value,
    "includes": lambda value, outcome: _subsequence(value, outcome.printed),
    "excludes": lambda value, outcome: not set(value) & set(outcome.printed),
    "last": lambda value, outcome: bool(outcome.printed) and outcome.printed[-1] == value,
    "count": lambda value, outcome: list(outcome.printed).count(value[0]) == value[1],
}
_PARTS = tuple(_CHECKS)


def true_options(claims: Sequence[Claim], outcome: RunOutcome) -> frozenset[int]:
    """The indexes of the claims the outcome makes true: the derived key."""
    return frozenset(index for index, claim in enumerate(claims) if claim.holds(outcome))
