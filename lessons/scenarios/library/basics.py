"""Scenarios of lesson 01, basic streaming: the consumer loop, the result while the run goes on,
first mistakes, counting events, max_turns and what the result holds at the end."""

from __future__ import annotations

from lessons.scenarios import Scenario, Shape, Theme
from lessons.scenarios.code import agent, narrate, q, role, tool
from lessons.scenarios.library.runs import (
    agent_names,
    run_code,
    run_script,
    run_shapes,
)
from lessons.scenarios.program import Program
from lessons.scenarios.script import Call, Script, Turn
from lessons.scenarios.themes import THEMES

LESSON = "basic-streaming"
CHAT = " It is an `OpenAIChatCompletionsModel` whose (offline) server streams a chunk per token."


def _program(
    shape: Shape, theme: Theme, loop: str, *, chat: bool = False, **code: object
) -> Program:
    script = run_script(shape, theme)
    return Program(
        code=run_code(shape, theme, loop, **code),  # type: ignore[arg-type]
        script=script,
        premise=narrate(script) + (CHAT if chat else ""),
        model="chat-completions" if chat else "offline",
        input=theme["ask"],
        agents=agent_names(shape, theme),
    )


# --- the seed's consumer loop ---------------------------------------------------------------------

SEED_LOOP = """
async for event in result.stream_events():
    if event.type == "raw_response_event":
        if isinstance(event.data, ResponseTextDeltaEvent):
            print(event.data.delta, end="")
    elif event.type == "run_item_stream_event":
        if event.item.type == "tool_call_item":
            print("Tool called...")
    elif event.type == "agent_updated_stream_event":
        print(f"Agent changed to: {event.new_agent.name}")
"""


def seed_loop(shape: Shape, theme: Theme) -> Program:
    """The course's own loop: text deltas, tool calls and agent changes, printed as they come."""
    return _program(shape, theme, SEED_LOOP, chat=True)


SEED_LOOP_SCENARIO = Scenario(
    slug="seed-loop",
    lesson=LESSON,
    title="The course's consumer loop",
    summary="The loop from the course: text deltas printed without a newline, a line per tool "
    "call and per agent change. What does the terminal show?",
    shapes=run_shapes(
        ("0", "1", "2", "1+1"), ("none", "first", "each"), ("none", "direct", "said")
    ),
    themes=THEMES,
    build=seed_loop,
)


# --- the result while the run goes on -------------------------------------------------------------

WHERE = {
    "update": 'event.type == "agent_updated_stream_event"',
    "call": 'event.type == "run_item_stream_event" and event.name == "tool_called"',
    "message": 'event.type == "run_item_stream_event" and event.name == "message_output_created"',
}


def stream_state(shape: Shape, theme: Theme) -> Program:
    """is_complete and final_output before the loop, at an event, and after the loop."""
    stop = "\n        break" if shape["break"] else ""
    state = "print(result.is_complete, result.final_output, len(result.new_items))"
    loop = (
        f"\n{state}\n"
        "async for event in result.stream_events():\n"
        f"    if {WHERE[shape['at']]}:\n"
        f"        {state}{stop}\n"
        f"{state}\n"
    )
    return _program(shape, theme, loop)


STREAM_STATE = Scenario(
    slug="stream-state",
    lesson=LESSON,
    title="The result while the run goes on",
    summary="`is_complete`, `final_output` and how many new items, printed before the loop, at "
    "an event of the stream, and after the loop.",
    shapes=tuple(
        Shape(
            f"{at}-{'break' if stop else 'on'}-{shape.key}",
            {**shape.values, "at": at, "break": stop},
        )
        for at in WHERE
        for stop in (False, True)
        for shape in run_shapes(("0", "1", "2"), ("none", "first"))
    ),
    themes=THEMES,
    build=stream_state,
)


# --- first mistakes -------------------------------------------------------------------------------

MISTAKES = {
    "right": (
        "result = Runner.run_streamed(agent, {ask})\n"
        "async for event in result.stream_events():\n"
        "    pass\n"
        "print(result.final_output)"
    ),
    "await-run": (
        "result = await Runner.run_streamed(agent, {ask})\n"
        "async for event in result.stream_events():\n"
        "    pass\n"
        "print(result.final_output)"
    ),
    "iterate-result": (
        "result = Runner.run_streamed(agent, {ask})\n"
        "async for event in result:\n"
        "    pass\n"
        "print(result.final_output)"
    ),
    "no-call": (
        "result = Runner.run_streamed(agent, {ask})\n"
        "async for event in result.stream_events:\n"
        "    pass\n"
        "print(result.final_output)"
    ),
    "sync-for": (
        "result = Runner.run_streamed(agent, {ask})\n"
        "for event in result.stream_events():\n"
        "    pass\n"
        "print(result.final_output)"
    ),
    "too-early": (
        "result = Runner.run_streamed(agent, {ask})\n"
        "print(result.final_output)\n"
        "async for event in result.stream_events():\n"
        "    pass"
    ),
    "every-delta": (
        "result = Runner.run_streamed(agent, {ask})\n"
        "async for event in result.stream_events():\n"
        '    if event.type == "raw_response_event":\n'
        '        print(event.data.delta, end="")\n'
        "print()\n"
        "print(result.final_output)"
    ),
    "wrong-type": (
        "result = Runner.run_streamed(agent, {ask})\n"
        "async for event in result.stream_events():\n"
        '    if event.type == "text_delta":\n'
        '        print(event.data.delta, end="")\n'
        "print(result.final_output)"
    ),
    "await-events": (
        "result = Runner.run_streamed(agent, {ask})\n"
        "events = await result.stream_events()\n"
        "print(result.final_output)"
    ),
    "upper-early": (
        "result = Runner.run_streamed(agent, {ask})\n"
        "print(result.final_output.upper())\n"
        "async for event in result.stream_events():\n"
        "    pass"
    ),
}


def first_mistakes(shape: Shape, theme: Theme) -> Program:
    """First streaming code, right or with a classic mistake."""
    script = Script((role(theme["assistant"], Turn(text=theme["reply"])),))
    body = MISTAKES[shape["code"]].format(ask=q(theme["ask"]))
    return Program(
        code=f"{agent('agent', theme['assistant'])}\n{body}",
        script=script,
        premise=narrate(script),
        input=theme["ask"],
        agents=(theme["assistant"],),
    )


FIRST_MISTAKES = Scenario(
    slug="first-mistakes",
    lesson=LESSON,
    title="First streaming code, and its classic mistakes",
    summary="The same few lines written right, or with a mistake people make when they start "
    "streaming: what runs, what is printed, what is raised.",
    shapes=tuple(Shape(code, {"code": code}) for code in MISTAKES),
    themes=THEMES,
    build=first_mistakes,
)


# --- counting events ------------------------------------------------------------------------------

COUNT_LOOP = """
counts = {}
async for event in result.stream_events():
    if event.type != "raw_response_event":
        counts[event.type] = counts.get(event.type, 0) + 1
print(counts)
"""


def event_counts(shape: Shape, theme: Theme) -> Program:
    """How many events of each type a run has, raw events aside."""
    return _program(shape, theme, COUNT_LOOP)


EVENT_COUNTS = Scenario(
    slug="event-counts",
    lesson=LESSON,
    title="Counting events",
    summary="A consumer counts the events of each type, raw response events aside: agent "
    "updates and run item events.",
    shapes=run_shapes(
        ("0", "1", "2", "1+1", "2+1"), ("none", "first", "each"), ("none", "direct", "chain")
    ),
    themes=THEMES,
    build=event_counts,
)


# --- max_turns ------------------------------------------------------------------------------------

MAX_TURNS_LOOP = """
try:
    async for event in result.stream_events():
        if event.type == "run_item_stream_event" and event.name == "tool_called":
            print("call")
except MaxTurnsExceeded as error:
    print(error)
print(result.final_output)
"""


def max_turns(shape: Shape, theme: Theme) -> Program:
    """A model that calls tools for a few turns, and max_turns."""
    names = [theme["tool1"], theme["tool2"]][: shape["per_turn"]]
    turns = [
        Turn(calls=tuple(Call(name, {theme["param"]: theme["value"]}) for name in names))
    ] * shape["turns"]
    script = Script((role(theme["assistant"], *turns, Turn(text=theme["reply"])),))
    definitions = [tool(name, theme["param"], "not yet") for name in names]
    code = "\n\n".join(
        [
            *definitions,
            agent("agent", theme["assistant"], tools=names)
            + f"\nresult = Runner.run_streamed(agent, {q(theme['ask'])}, "
            f"max_turns={shape['max']})\n" + MAX_TURNS_LOOP.strip(),
        ]
    )
    premise = narrate(script) + " (It goes on the same way whatever the tools return.)"
    return Program(code=code, script=script, premise=premise, input=theme["ask"])


MAX_TURNS = Scenario(
    slug="max-turns",
    lesson=LESSON,
    title="max_turns",
    summary="A model that calls tools turn after turn, and a max_turns that lets it finish or "
    "stops it.",
    shapes=tuple(
        Shape(
            f"m{limit}-t{turns}-p{per_turn}", {"max": limit, "turns": turns, "per_turn": per_turn}
        )
        for limit in (1, 2, 3, 4)
        for turns in (1, 2, 3)
        for per_turn in (1, 2)
    ),
    themes=THEMES,
    build=max_turns,
)


# --- what the result holds at the end -------------------------------------------------------------

RESULT_LOOP = """
async for event in result.stream_events():
    pass
print("responses:", len(result.raw_responses))
print("items:", len(result.new_items))
print("input:", len(result.to_input_list()))
print("last:", result.last_agent.name)
"""


def result_after(shape: Shape, theme: Theme) -> Program:
    """raw_responses, new_items, to_input_list() and last_agent once the stream is done."""
    return _program(shape, theme, RESULT_LOOP)


RESULT_AFTER = Scenario(
    slug="result-after",
    lesson=LESSON,
    title="What the result holds at the end",
    summary="Once the stream is done: a response per model call, an item per step, the input "
    "list for the next turn, and the agent that answered.",
    shapes=run_shapes(
        ("0", "1", "2", "1+1", "2+1"), ("none", "first"), ("none", "direct", "chain")
    ),
    themes=THEMES,
    build=result_after,
)

# --- leaving the loop, and reading on -------------------------------------------------------------

RESUME_LOOP = """
async for event in result.stream_events():
    if {condition}:
        break
print("second loop:")
async for event in result.stream_events():
    if event.type == "agent_updated_stream_event":
        print("agent", event.new_agent.name)
    elif event.type == "run_item_stream_event":
        print(event.name)
"""
BREAK_AT = {
    "update": 'event.type == "agent_updated_stream_event"',
    "called": 'event.type == "run_item_stream_event" and event.name == "tool_called"',
    "output": 'event.type == "run_item_stream_event" and event.name == "tool_output"',
    "message": 'event.type == "run_item_stream_event" and event.name == "message_output_created"',
}


def resume_loop(shape: Shape, theme: Theme) -> Program:
    """Break out of the loop at an event, then loop over stream_events() again."""
    return _program(shape, theme, RESUME_LOOP.format(condition=BREAK_AT[shape["at"]]))


RESUME_LOOP_SCENARIO = Scenario(
    slug="resume-loop",
    lesson=LESSON,
    title="Leaving the loop, and reading on",
    summary="The consumer breaks out of its loop at an event, then loops over stream_events() "
    "again: what the second loop gets.",
    shapes=tuple(
        Shape(f"{at}-{shape.key}", {**shape.values, "at": at})
        for at in BREAK_AT
        for shape in run_shapes(("0", "1", "2", "1+1"), ("none", "first"), ("none", "direct"))
        if at in ("update", "message") or shape["pattern"] != "0"
    ),
    themes=THEMES,
    build=resume_loop,
)

SCENARIOS = (
    SEED_LOOP_SCENARIO,
    STREAM_STATE,
    FIRST_MISTAKES,
    EVENT_COUNTS,
    MAX_TURNS,
    RESULT_AFTER,
    RESUME_LOOP_SCENARIO,
)
