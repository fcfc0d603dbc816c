"""Hand-written items as executable claims: a run, and what each option says about it.

An `Item` pairs a scenario (`observe`: runs the SDK offline and records what happened) with one
`Claim` per option, in the bank's order. A claim quotes the words of its option that make it
checkable (the quote must appear in the option's text, which the test suite checks) and decides,
from the observation, whether the run made it true. Deriving an item runs its scenario once, on
virtual time, and evaluates every claim: the derived key is the set of options whose claims held.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from lessons.scenarios.clock import in_virtual_clock
from questions.derivation import Derivation, sdk_version

Obs = TypeVar("Obs")
Part = TypeVar("Part")


@dataclass(frozen=True)
class Claim(Generic[Obs]):
    """What one option says: `quote` (words of the option) and whether the run bears it out."""

    quote: str
    holds: Callable[[Obs], bool]


@dataclass(frozen=True)
class Fact(Generic[Obs]):
    """Something the item's explanation says about the run, beyond its options."""

    says: str
    holds: Callable[[Obs], bool]


@dataclass(frozen=True)
class Examined:
    """A derivation, and the explanation's facts that the same run did not bear out."""

    derivation: Derivation
    unmet_facts: tuple[str, ...]


@dataclass(frozen=True)
class Item(Generic[Obs]):
    """A hand-written item: its scenario, its claims (bank order) and how to tell the outcome."""

    item_id: str
    observe: Callable[[], Awaitable[Obs]]
    claims: tuple[Claim[Obs], ...]
    outcome: Callable[[Obs], str]
    facts: tuple[Fact[Obs], ...] = ()

    async def examine(self) -> Examined:
        """Run the scenario once; judge every option's claim and every explanation fact."""
        observation = await in_virtual_clock(self.observe)
        true_options = frozenset(
            index for index, claim in enumerate(self.claims) if claim.holds(observation)
        )
        derivation = Derivation(
            item_id=self.item_id,
            true_options=true_options,
            outcome=self.outcome(observation),
            sdk_version=sdk_version(),
        )
        unmet = tuple(fact.says for fact in self.facts if not fact.holds(observation))
        return Examined(derivation, unmet)

    async def derive(self) -> Derivation:
        return (await self.examine()).derivation

    @property
    def quotes(self) -> tuple[str, ...]:
        return tuple(claim.quote for claim in self.claims)


def on(claim: Claim[Part], part: Callable[[Obs], Part]) -> Claim[Obs]:
    """A claim about one part of a larger observation."""
    return Claim(claim.quote, lambda observation: claim.holds(part(observation)))


def statement(holds: Callable[[Obs], bool]) -> tuple[Claim[Obs], Claim[Obs]]:
    """The two options of a true/false item whose statement is `holds`."""
    return Claim("True", holds), Claim("False", lambda observation: not holds(observation))


def code(lines: Sequence[str]) -> str:
    """How an option writes printed lines: each in backticks, separated by commas."""
    return ", ".join(f"`{line}`" for line in lines)


def prints(*lines: str, quote: str | None = None) -> Claim[tuple[str, ...]]:
    """An option of a code-reading item: the program prints exactly `lines`."""
    return Claim(quote if quote is not None else code(lines), lambda printed: printed == lines)


def printed_outcome(printed: tuple[str, ...]) -> str:
    return "printed: " + " | ".join(printed)


def item(
    item_id: str,
    observe: Callable[[], Awaitable[Obs]],
    claims: Sequence[Claim[Obs]],
    outcome: Callable[[Obs], str],
    facts: Sequence[Fact[Obs]] = (),
) -> Item[Obs]:
    return Item(item_id, observe, tuple(claims), outcome, tuple(facts))


def printing_item(
    item_id: str,
    observe: Callable[[], Awaitable[tuple[str, ...]]],
    claims: Sequence[Claim[tuple[str, ...]]],
    facts: Sequence[Fact[tuple[str, ...]]] = (),
) -> Item[tuple[str, ...]]:
    """A code-reading item whose scenario returns the lines its program printed."""
    return Item(item_id, observe, tuple(claims), printed_outcome, tuple(facts))
