"""The runs most scenarios share: an agent (or a triage agent and specialists) calling tools in a
pattern, with or without a preamble, and the consumer loop each scenario adds.

A run's shape has three knobs:
- `pattern`: tool calls per model response, "0" (none), "1", "2" (two calls in one response),
  "1+1" (one call, then another in the next response), "2+1", "3", "1+1+1";
- `preamble`: the model says which tools it calls before calling them: "none", "first" (before
  the first calls only) or "each" (before every response's calls);
- `handoff`: "none"; "direct" (a triage agent hands off to the specialist, who calls the tools);
  "said" (the same, the triage agent saying something first); "chain" (triage hands off to a
  second triage agent, who hands off to the specialist).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from lessons.scenarios import Shape, Theme
from lessons.scenarios.code import agent, q, role, tool
from lessons.scenarios.script import Call, Role, Script, Turn

PATTERNS = ("0", "1", "2", "1+1", "2+1", "3", "1+1+1")
PREAMBLES = ("none", "first", "each")
HANDOFFS = ("none", "direct", "said", "chain")


def run_shapes(
    patterns: Sequence[str] = PATTERNS,
    preambles: Sequence[str] = PREAMBLES,
    handoffs: Sequence[str] = ("none",),
    **extra: object,
) -> tuple[Shape, ...]:
    """Every meaningful combination of the knobs, each once (key e.g. "c2-1-first-direct")."""
    shapes = []
    for handoff in handoffs:
        for pattern in patterns:
            for preamble in preambles:
                if pattern == "0" and preamble != "none":
                    continue  # nothing to preface
                if "+" not in pattern and preamble == "each":
                    continue  # one response: "each" is "first"
                parts = [f"c{pattern.replace('+', '-')}", preamble]
                if handoff != "none":
                    parts.append(handoff)
                values = {"pattern": pattern, "preamble": preamble, "handoff": handoff, **extra}
                shapes.append(Shape("-".join(parts), values))
    return tuple(shapes)


def tool_count(pattern: str) -> int:
    return sum(int(part) for part in pattern.split("+"))


def tool_turns(theme: Theme, pattern: str, preamble: str) -> list[Turn]:
    """The specialist's responses before its answer: calls per the pattern, preambles."""
    if pattern == "0":
        return []
    turns, used = [], 0
    for position, count in enumerate(int(part) for part in pattern.split("+")):
        names = [theme[f"tool{used + n + 1}"] for n in range(count)]
        used += count
        says = preamble == "each" or (preamble == "first" and position == 0)
        calls = tuple(Call(name, {theme["param"]: theme["value"]}) for name in names)
        turns.append(Turn(text=f"Calling {' and '.join(names)}." if says else "", calls=calls))
    return turns


def tool_definitions(
    theme: Theme, count: int, *, bodies: Iterable[Sequence[str]] = ()
) -> list[str]:
    extra = list(bodies)
    return [
        tool(
            theme[f"tool{n}"],
            theme["param"],
            theme[f"out{n}"],
            body=extra[n - 1] if n - 1 < len(extra) else (),
        )
        for n in range(1, count + 1)
    ]


def roles(shape: Shape, theme: Theme, *, final: Turn | None = None) -> tuple[Role, ...]:
    """The script of a run shape: who hands off to whom, and the specialist's turns."""
    turns = [*tool_turns(theme, shape["pattern"], shape["preamble"])]
    turns.append(final or Turn(text=theme["reply"]))
    handoff = shape["handoff"]
    if handoff == "none":
        return (role(theme["assistant"], *turns),)
    worker = role(theme["first"], *turns)
    said = f"Passing you to {theme['first']}." if handoff == "said" else ""
    if handoff == "chain":
        return (
            role(theme["triage"], Turn(handoff=theme["second"])),
            role(theme["second"], Turn(handoff=theme["first"])),
            worker,
        )
    return (role(theme["triage"], Turn(text=said, handoff=theme["first"])), worker)


def agents_code(
    shape: Shape, theme: Theme, *, extra: Sequence[str] = (), start_extra: Sequence[str] = ()
) -> tuple[str, str]:
    """The agents' definitions and the variable of the agent the run starts with. `extra`:
    more Agent(...) arguments for the agent that calls the tools; `start_extra`: for the
    triage agent the run starts with (when there is a handoff)."""
    tools = [theme[f"tool{n}"] for n in range(1, tool_count(shape["pattern"]) + 1)]
    handoff = shape["handoff"]
    if handoff == "none":
        return agent("agent", theme["assistant"], tools=tools, extra=extra), "agent"
    lines = [agent("specialist", theme["first"], tools=tools, extra=extra)]
    if handoff == "chain":
        lines.append(agent("second", theme["second"], handoffs=["specialist"]))
        lines.append(agent("triage", theme["triage"], handoffs=["second"], extra=start_extra))
    else:
        lines.append(agent("triage", theme["triage"], handoffs=["specialist"], extra=start_extra))
    return "\n".join(lines), "triage"


def agent_names(shape: Shape, theme: Theme) -> tuple[str, ...]:
    handoff = shape["handoff"]
    if handoff == "none":
        return (theme["assistant"],)
    if handoff == "chain":
        return (theme["triage"], theme["second"], theme["first"])
    return (theme["triage"], theme["first"])


def run_code(
    shape: Shape,
    theme: Theme,
    loop: str,
    *,
    tool_bodies: Iterable[Sequence[str]] = (),
    agent_extra: Sequence[str] = (),
    start_extra: Sequence[str] = (),
    run_arguments: Sequence[str] = (),
    before: Sequence[str] = (),
) -> str:
    """Tools, agents, `result = Runner.run_streamed(...)` and the scenario's own `loop`;
    `before`: definitions of the scenario's own (guardrails...) ahead of the tools."""
    definitions = tool_definitions(theme, tool_count(shape["pattern"]), bodies=tool_bodies)
    agents, start = agents_code(shape, theme, extra=agent_extra, start_extra=start_extra)
    arguments = ", ".join([start, q(theme["ask"]), *run_arguments])
    run = f"result = Runner.run_streamed({arguments})"
    return "\n\n".join([*before, *definitions, f"{agents}\n{run}\n{loop.strip()}"])


def run_script(shape: Shape, theme: Theme, *, final: Turn | None = None) -> Script:
    return Script(roles(shape, theme, final=final))
