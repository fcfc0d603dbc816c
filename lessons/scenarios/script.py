"""What the offline model does in a scenario: a script of turns for each agent.

A scenario states what its model does ("Triage hands off to Billing; Billing calls `refund`, then
answers 'Refunded.'"), so that a reader can predict what the SDK does with it. The script says it
exactly: for each agent (known to the model by its instructions), its turns in order. A turn is
a message, tool calls, a handoff, or a message followed by calls (a preamble).

The model picks an agent's next turn from the conversation it is sent: the first turn whose
calls are not in it yet (call ids are fixed by the script). So a fresh run (a fallback's
`Runner.run`, say) starts the script again from its first turn, as a real model asked the same
question would do it again.

Pure: no Django imports.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any


class ScriptError(LookupError):
    """The scenario's model was asked something its script does not cover."""


@dataclass(frozen=True)
class Call:
    """One tool call: the tool's name and its arguments."""

    name: str
    arguments: Mapping[str, Any] = field(default_factory=dict)

    @property
    def json(self) -> str:
        return json.dumps(dict(self.arguments), ensure_ascii=False)


@dataclass(frozen=True)
class Turn:
    """One model response.

    `text`: a message (streamed before the calls when there are calls: a preamble).
    `calls`: tool calls in one response (parallel calls when there are several).
    `handoff`: hand off to the agent with this name (the SDK's transfer tool is called).
    `stream_fails_after`: a streamed response breaks after this many text tokens (a dropped
    connection); the same turn asked without streaming succeeds.
    """

    text: str = ""
    calls: tuple[Call, ...] = ()
    handoff: str = ""
    stream_fails_after: int | None = None

    def __post_init__(self) -> None:
        if not (self.text or self.calls or self.handoff):
            raise ValueError("A turn says something, calls a tool or hands off.")
        if self.handoff and self.calls:
            raise ValueError("A turn hands off or calls tools, not both.")

    @property
    def is_final(self) -> bool:
        return not (self.calls or self.handoff)


@dataclass(frozen=True)
class Role:
    """An agent as the script knows it: its name, its instructions and its turns."""

    name: str
    instructions: str
    turns: tuple[Turn, ...]

    def call_ids(self, index: int) -> list[str]:
        turn = self.turns[index]
        count = len(turn.calls) or int(bool(turn.handoff))
        key = "".join(char for char in self.name.lower() if char.isalnum())[:12]
        return [f"call_{key}_{index}_{number}" for number in range(count)]

    def next_turn(self, answered: Collection[str]) -> int:
        """The index of the first turn whose calls are not all in `answered` (call ids seen)."""
        for index, turn in enumerate(self.turns):
            if turn.is_final or not set(self.call_ids(index)) <= set(answered):
                return index
        raise ScriptError(f"{self.name} has no turn left in its script.")


@dataclass(frozen=True)
class Script:
    """Every agent's role in a scenario."""

    roles: tuple[Role, ...]

    def __post_init__(self) -> None:
        instructions = [role.instructions for role in self.roles]
        if len(set(instructions)) != len(instructions):
            raise ValueError("Each agent of a script needs instructions of its own.")

    def role_for(self, instructions: str | None) -> Role:
        for role in self.roles:
            if role.instructions == (instructions or ""):
                return role
        raise ScriptError(f"No agent of the script has the instructions {instructions!r}.")

    def instructions(self, name: str) -> str:
        return next(role.instructions for role in self.roles if role.name == name)
