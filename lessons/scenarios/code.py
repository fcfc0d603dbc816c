"""Writing scenario programs: the pieces most programs share, rendered as a person writes them,
and the sentence that says what a script's model does.

Pure: no Django imports.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from lessons.scenarios.script import Role, Script, Turn

LINE = 88  # a program line this long or longer is split, one argument per line


def q(text: str) -> str:
    """A string literal as a person writes it: double quotes."""
    return json.dumps(text, ensure_ascii=False)


def instructions_for(name: str) -> str:
    """An agent's instructions in a scenario: short, and its own (the model knows it by them)."""
    return f"You are {name}."


def call(function: str, arguments: Sequence[str], *, indent: str = "") -> str:
    """`function(a, b)` on one line, or one argument per line when that would be too long."""
    one_line = f"{indent}{function}({', '.join(arguments)})"
    if len(one_line) < LINE:
        return one_line
    inner = "".join(f"{indent}    {argument},\n" for argument in arguments)
    return f"{indent}{function}(\n{inner}{indent})"


def agent(
    variable: str,
    name: str,
    *,
    tools: Sequence[str] = (),
    handoffs: Sequence[str] = (),
    extra: Sequence[str] = (),
) -> str:
    arguments = [f"name={q(name)}", f"instructions={q(instructions_for(name))}"]
    if tools:
        arguments.append(f"tools=[{', '.join(tools)}]")
    if handoffs:
        arguments.append(f"handoffs=[{', '.join(handoffs)}]")
    arguments += [*extra, "model=model"]
    return f"{variable} = {call('Agent', arguments)}"


def tool(
    name: str,
    param: str,
    returns: str,
    *,
    decorator: str = "@function_tool",
    body: Sequence[str] = (),
) -> str:
    """An async function tool taking one string and returning a fixed string."""
    lines = [decorator, f"async def {name}({param}: str) -> str:"]
    lines += [f"    {line}" for line in body]
    lines.append(f"    return {q(returns)}")
    return "\n".join(lines)


def role(name: str, *turns: Turn) -> Role:
    return Role(name, instructions_for(name), tuple(turns))


def _names(names: Sequence[str]) -> str:
    quoted = [f"`{name}`" for name in names]
    if len(quoted) <= 2:
        return " and ".join(quoted)
    return ", ".join(quoted[:-1]) + " and " + quoted[-1]


def narrate_turn(turn: Turn) -> str:
    parts = []
    if turn.text:
        parts.append(f"says “{turn.text}”")
    if turn.calls:
        names = [call.name for call in turn.calls]
        together = " in one response" if len(names) > 1 else ""
        parts.append(f"calls {_names(names)}{together}")
    if turn.handoff:
        parts.append(f"hands off to {turn.handoff}")
    sentence = " and ".join(parts)
    if turn.stream_fails_after is not None:
        sentence += (
            f", but a streamed response breaks after {turn.stream_fails_after} text tokens "
            "(the same request without streaming succeeds)"
        )
    return sentence


def narrate_role(role: Role) -> str:
    return "; then ".join(narrate_turn(turn) for turn in role.turns)


def narrate(script: Script, *, only: Sequence[str] = ()) -> str:
    """What the scripted model does, in a sentence per agent, for the question and the page."""
    roles = [role for role in script.roles if not only or role.name in only]
    if len(roles) == 1:
        return _end(f"`model` is an offline model, scripted: it {narrate_role(roles[0])}")
    lines = "; ".join(f"as {role.name} it {narrate_role(role)}" for role in roles)
    return _end(f"`model` is an offline model, scripted: {lines}")


def _end(sentence: str) -> str:
    return sentence if sentence.endswith((".”", "!”", "?”")) else f"{sentence}."
