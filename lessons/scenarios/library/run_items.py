"""Scenarios of lesson 03, run item events: what a consumer of run items sees."""

from __future__ import annotations

from lessons.scenarios import Scenario, Shape, Theme
from lessons.scenarios.code import agent, narrate, q, role
from lessons.scenarios.library.runs import (
    HANDOFFS,
    PREAMBLES,
    agent_names,
    run_code,
    run_script,
    run_shapes,
)
from lessons.scenarios.program import Program
from lessons.scenarios.script import Call, Script, Turn
from lessons.scenarios.themes import THEMES

LESSON = "run-item-events"


def _program(shape: Shape, theme: Theme, loop: str, **code: object) -> Program:
    script = run_script(shape, theme)
    return Program(
        code=run_code(shape, theme, loop, **code),  # type: ignore[arg-type]
        script=script,
        premise=narrate(script),
        input=theme["ask"],
        agents=agent_names(shape, theme),
    )


NAMES_LOOP = """
async for event in result.stream_events():
    if event.type == "run_item_stream_event":
        print(event.name)
"""

TYPES_LOOP = """
async for event in result.stream_events():
    if event.type == "run_item_stream_event":
        print(event.item.type)
"""

TEXTS_LOOP = """
async for event in result.stream_events():
    if event.type == "run_item_stream_event" and event.item.type == "message_output_item":
        print(ItemHelpers.text_message_output(event.item))
print("final:", result.final_output)
"""


def item_names(shape: Shape, theme: Theme) -> Program:
    """Print the name of every run item event."""
    return _program(shape, theme, NAMES_LOOP)


def item_types(shape: Shape, theme: Theme) -> Program:
    """Print the type of every run item event's item."""
    return _program(shape, theme, TYPES_LOOP)


def message_texts(shape: Shape, theme: Theme) -> Program:
    """Print the text of every message item, then the final output."""
    return _program(shape, theme, TEXTS_LOOP)


def new_items(shape: Shape, theme: Theme) -> Program:
    """Stop at a run item event (break, or cancel) and print what new_items holds then, and ten
    seconds later."""
    stop = shape["stop"]
    action = "break" if stop == "break" else f"result.cancel(mode={q(stop)})"
    loop = f"""
async for event in result.stream_events():
    if event.type == "run_item_stream_event" and event.name == {q(shape["at"])}:
        {action}
print(len(result.new_items), result.is_complete)
await asyncio.sleep(10)
print(len(result.new_items), result.is_complete)
"""
    return _program(shape, theme, loop)


STOP_KEYS = {
    "tool_called": "called",
    "tool_output": "output",
    "message_output_created": "message",
    "handoff_occured": "handoff",
}


def _stop_shapes() -> tuple[Shape, ...]:
    shapes = []
    runs = (
        ("1", "first", "none"),
        ("2", "none", "none"),
        ("1+1", "none", "none"),
        ("1", "none", "direct"),
        ("2+1", "first", "none"),
        ("1+1", "each", "said"),
    )
    for at in ("tool_called", "tool_output", "message_output_created", "handoff_occured"):
        for stop in ("immediate", "after_turn", "break"):
            for pattern, preamble, handoff in runs:
                if at == "handoff_occured" and handoff == "none":
                    continue
                base = run_shapes((pattern,), (preamble,), (handoff,), at=at, stop=stop)[0]
                key = f"{STOP_KEYS[at]}-{stop.replace('_', '')}-{base.key}"
                shapes.append(Shape(key, base.values))
    return tuple(shapes)


ITEM_NAMES = Scenario(
    slug="item-names",
    lesson=LESSON,
    title="Run item events of a run with tools",
    summary="A consumer prints the name of every run item event: tool calls, their outputs and "
    "messages, in the order the SDK emits them.",
    shapes=run_shapes(),
    themes=THEMES,
    build=item_names,
)

ITEM_TYPES = Scenario(
    slug="item-types",
    lesson=LESSON,
    title="The items of run item events",
    summary="A consumer prints each run item's type: tool calls and outputs, messages, and "
    "the two items of a handoff.",
    shapes=run_shapes(("0", "1", "2", "1+1", "2+1"), ("none", "first"), HANDOFFS[:3]),
    themes=THEMES,
    build=item_types,
)

MESSAGE_TEXTS = Scenario(
    slug="message-texts",
    lesson=LESSON,
    title="Every message of a run",
    summary="A consumer prints the text of every message item with ItemHelpers, then the final "
    "output: preambles are messages too.",
    shapes=run_shapes(("0", "1", "2", "1+1", "2+1", "1+1+1"), PREAMBLES, ("none", "said")),
    themes=THEMES,
    build=message_texts,
)

NEW_ITEMS = Scenario(
    slug="new-items",
    lesson=LESSON,
    title="new_items when the consumer stops",
    summary="The consumer stops at a run item event (it breaks, or cancels the run) and prints "
    "what result.new_items holds at that moment.",
    shapes=_stop_shapes(),
    themes=THEMES,
    build=new_items,
)

AGENTS_LOOP = """
async for event in result.stream_events():
    if event.type == "run_item_stream_event":
        print(event.name, "by", event.item.agent.name)
"""

RAW_LOOP = """
async for event in result.stream_events():
    if event.type == "run_item_stream_event":
        print(event.name, type(event.item.raw_item).__name__)
"""


def item_agents(shape: Shape, theme: Theme) -> Program:
    """Which agent each run item belongs to, across handoffs."""
    return _program(shape, theme, AGENTS_LOOP)


def raw_items(shape: Shape, theme: Theme) -> Program:
    """What each run item wraps: the class of its raw item."""
    return _program(shape, theme, RAW_LOOP)


RETURNS = {
    "str": ("str", '"{out1}"'),
    "int": ("int", "21"),
    "float": ("float", "21.5"),
    "bool": ("bool", "True"),
    "dict": ("dict", '{{"temp": 21}}'),
    "list": ("list", '["{out1}", 21]'),
    "none": ("None", "None"),
}

OUTPUT_LOOP = """
async for event in result.stream_events():
    if event.type == "run_item_stream_event" and event.name == "tool_output":
        print(type(event.item.output).__name__, repr(event.item.raw_item["output"]))
"""


def tool_outputs(shape: Shape, theme: Theme) -> Program:
    """Tools returning values of several types: the output item's output, and what the model got."""
    kinds: tuple[str, ...] = shape["returns"]
    names = [theme[f"tool{n + 1}"] for n in range(len(kinds))]
    definitions = []
    for name, kind in zip(names, kinds, strict=True):
        annotation, value = RETURNS[kind]
        definitions.append(
            f"@function_tool\nasync def {name}({theme['param']}: str) -> {annotation}:\n"
            f"    return {value.format(out1=theme['out1'])}"
        )
    calls = tuple(Call(name, {theme["param"]: theme["value"]}) for name in names)
    script = Script((role(theme["assistant"], Turn(calls=calls), Turn(text=theme["reply"])),))
    code = "\n\n".join(
        [
            *definitions,
            agent("agent", theme["assistant"], tools=names)
            + f"\nresult = Runner.run_streamed(agent, {q(theme['ask'])})\n"
            + OUTPUT_LOOP.strip(),
        ]
    )
    return Program(
        code=code,
        script=script,
        premise=narrate(script),
        input=theme["ask"],
        agents=(theme["assistant"],),
    )


ITEM_AGENTS = Scenario(
    slug="item-agents",
    lesson=LESSON,
    title="Whose item is it",
    summary="Every run item knows the agent it belongs to: the handoff's items, the specialist's "
    "tools and messages.",
    shapes=run_shapes(("0", "1", "2", "1+1"), ("none", "first"), ("direct", "said", "chain")),
    themes=THEMES,
    build=item_agents,
)

RAW_ITEMS = Scenario(
    slug="raw-items",
    lesson=LESSON,
    title="What a run item wraps",
    summary="Each run item wraps the raw item of the model's response or of the tool's result: "
    "its class, for every item of a run with tools and handoffs.",
    shapes=run_shapes(("0", "1", "2", "1+1"), ("none", "first"), HANDOFFS[:3]),
    themes=THEMES,
    build=raw_items,
)

TOOL_OUTPUTS = Scenario(
    slug="tool-outputs",
    lesson=LESSON,
    title="What a tool's output item holds",
    summary="Tools return a string, a number, a dict...: the tool_output item keeps the value, "
    "and the model is sent it as text.",
    shapes=tuple(
        Shape("-".join(kinds), {"returns": kinds})
        for kinds in (
            ("str",),
            ("int",),
            ("float",),
            ("bool",),
            ("dict",),
            ("list",),
            ("none",),
            ("str", "int"),
            ("dict", "str"),
            ("int", "bool"),
            ("list", "none"),
            ("float", "dict"),
        )
    ),
    themes=THEMES,
    build=tool_outputs,
)

SCENARIOS = (ITEM_NAMES, ITEM_TYPES, MESSAGE_TEXTS, NEW_ITEMS, ITEM_AGENTS, RAW_ITEMS, TOOL_OUTPUTS)
