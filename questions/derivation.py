"""Keys derived by running the SDK: what a deriver returns.

Every item's key is derived by executing code with the real SDK offline and comparing what the run
did with each option's claim. A deriver (hand-written items: questions.evidence.HANDWRITTEN;
generated items: their family) returns a `Derivation`; `verify_items` compares its `true_options`
with the bank's keyed choices.

No Django imports: derivers run anywhere the SDK does.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from importlib.metadata import version


@dataclass(frozen=True)
class Derivation:
    """What one run says about one item."""

    item_id: str
    # 0-based indexes into the item's choices in bank order whose claims the run made true.
    true_options: frozenset[int]
    # One or two lines: what the run did (event order, printed lines, exception...).
    outcome: str
    # The openai-agents version installed when derived.
    sdk_version: str


Deriver = Callable[[], Awaitable[Derivation]]


def sdk_version() -> str:
    """The installed openai-agents version."""
    return version("openai-agents")
