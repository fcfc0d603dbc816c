"""Scenarios of lesson 03, run item events: what a consumer printing run items sees."""

from __future__ import annotations

from lessons.scenarios import Scenario, Shape, Theme
from lessons.scenarios.code import agent, narrate, q, role, tool
from lessons.scenarios.program import Program
from lessons.scenarios.script import Call, Script, Turn
from lessons.scenarios.themes import THEMES

LESSON = "run-item-events"

# Calls per model response, one pattern per shape: "2+1" is two calls in one response, then one.
PATTERNS = ("0", "1", "2", "3", "1+1", "2+1", "1+1+1")
PREAMBLES = ("none", "first", "each")


def _tool_turns(theme: Theme, pattern: str, preamble: str) -> list[Turn]:
    if pattern == "0":
        return []
    turns, used = [], 0
    for position, count in enumerate(int(part) for part in pattern.split("+")):
        names = [theme[f"tool{used + n + 1}"] for n in range(count)]
        used += count
        says = preamble == "each" or (preamble == "first" and position == 0)
        calls = tuple(Call(name, {theme["param"]: theme["value"]}) for name in names)
        turns.append(Turn(text=theme["preamble"] if says else "", calls=calls))
    return turns


def _tools_used(pattern: str) -> int:
    return sum(int(part) for part in pattern.split("+"))


def _item_shapes() -> tuple[Shape, ...]:
    shapes = []
    for pattern in PATTERNS:
        for preamble in PREAMBLES:
            if pattern == "0" and preamble != "none":
                continue  # nothing to preface
            if "+" not in pattern and preamble == "each":
                continue  # one response: "each" is "first"
            key = f"c{pattern.replace('+', '-')}-{preamble}"
            shapes.append(Shape(key, {"pattern": pattern, "preamble": preamble}))
    return tuple(shapes)


def item_names(shape: Shape, theme: Theme) -> Program:
    """Print the name of every run item event of a run with tools."""
    turns = _tool_turns(theme, shape["pattern"], shape["preamble"])
    turns.append(Turn(text=theme["reply"]))
    script = Script((role(theme["assistant"], *turns),))
    count = _tools_used(shape["pattern"])
    tools = [theme[f"tool{n}"] for n in range(1, count + 1)]
    definitions = [
        tool(theme[f"tool{n}"], theme["param"], theme[f"out{n}"]) for n in range(1, count + 1)
    ]
    code = "\n\n".join(
        [
            *definitions,
            agent("agent", theme["assistant"], tools=tools)
            + f"\nresult = Runner.run_streamed(agent, {q(theme['ask'])})\n"
            "async for event in result.stream_events():\n"
            '    if event.type == "run_item_stream_event":\n'
            "        print(event.name)",
        ]
    )
    return Program(
        code=code,
        script=script,
        premise=narrate(script),
        input=theme["ask"],
        agents=(theme["assistant"],),
    )


ITEM_NAMES = Scenario(
    slug="item-names",
    lesson=LESSON,
    title="Run item events of a run with tools",
    summary="A consumer prints the name of every run item event: tool calls, their outputs and "
    "messages, in the order the SDK emits them.",
    shapes=_item_shapes(),
    themes=THEMES,
    build=item_names,
)

SCENARIOS = (ITEM_NAMES,)
