"""Scenarios of lesson 02, raw response events, on the SDK's Chat Completions model: the raw
events a consumer sees are the ones the SDK's converter makes from OpenAI-shaped chunks."""

from __future__ import annotations

from collections.abc import Sequence

from lessons.offline import Pacing
from lessons.scenarios import Scenario, Shape, Theme
from lessons.scenarios.code import agent, narrate, q, role
from lessons.scenarios.library.runs import agent_names, run_code, run_script, run_shapes
from lessons.scenarios.program import Program
from lessons.scenarios.script import Script, Turn
from lessons.scenarios.themes import THEMES

LESSON = "raw-response-events"
CHAT = (
    " It is an `OpenAIChatCompletionsModel` whose (offline) server streams Chat Completions "
    "chunks, one per token, as the OpenAI API does."
)


def _program(
    shape: Shape,
    theme: Theme,
    loop: str,
    *,
    pacing: Pacing | None = None,
    chat: str = CHAT,
    **code: Sequence[str],
) -> Program:
    script = run_script(shape, theme)
    return Program(
        code=run_code(shape, theme, loop, **code),
        script=script,
        premise=narrate(script) + chat,
        model="chat-completions",
        pacing=pacing,
        input=theme["ask"],
        agents=agent_names(shape, theme),
    )


FILTERS = {
    "isinstance": 'event.type == "raw_response_event" and isinstance(event.data, '
    "ResponseTextDeltaEvent)",
    "type-only": 'event.type == "raw_response_event"',
    "hasattr": 'event.type == "raw_response_event" and hasattr(event.data, "delta")',
    "data-type": 'event.type == "raw_response_event" and event.data.type == '
    '"response.output_text.delta"',
}

FILTER_LOOP = """
text = ""
async for event in result.stream_events():
    if {condition}:
        text += event.data.delta
print(repr(text))
print(text == result.final_output)
"""


def delta_filter(shape: Shape, theme: Theme) -> Program:
    """Text built from raw events, filtered one way or another."""
    loop = FILTER_LOOP.format(condition=FILTERS[shape["filter"]])
    return _program(shape, theme, loop)


SEQUENCE_LOOP = """
last, responses = None, 0
async for event in result.stream_events():
    if event.type == "raw_response_event" and event.data.type != last:
        last = event.data.type
        if responses == {skip}:
            print(last)
        if last == "response.completed":
            responses += 1
            if responses > {skip}:
                break
result.cancel()
"""


def raw_sequence(shape: Shape, theme: Theme) -> Program:
    """The raw event types of one response in order, a run of one type printed once."""
    return _program(shape, theme, SEQUENCE_LOOP.format(skip=shape["skip"]))


SPLIT_LOOP = """
text, arguments = "", ""
async for event in result.stream_events():
    if event.type != "raw_response_event":
        continue
    if isinstance(event.data, ResponseTextDeltaEvent):
        text += event.data.delta
    elif isinstance(event.data, ResponseFunctionCallArgumentsDeltaEvent):
        arguments += event.data.delta
print("text:", repr(text))
print("arguments:", repr(arguments))
"""


def text_and_arguments(shape: Shape, theme: Theme) -> Program:
    """Text deltas and tool-argument deltas, gathered apart."""
    return _program(shape, theme, SPLIT_LOOP)


COMPLETED_LOOP = """
async for event in result.stream_events():
    if event.type == "raw_response_event" and isinstance(event.data, ResponseCompletedEvent):
        print([item.type for item in event.data.response.output])
print(len(result.raw_responses), "responses")
"""


def responses(shape: Shape, theme: Theme) -> Program:
    """What each response.completed event holds, and result.raw_responses."""
    return _program(shape, theme, COMPLETED_LOOP)


METRICS_LOOP = """
loop = asyncio.get_running_loop()
start = loop.time()
result = Runner.run_streamed(agent, {ask})
first_chunk, chunks = None, 0
async for event in result.stream_events():
    if {condition}:
        if first_chunk is None:
            first_chunk = loop.time() - start
        chunks += 1
print(f"first chunk after {{first_chunk:.1f}} s, {{chunks}} chunks")
"""
COUNTED = {
    "raw": 'event.type == "raw_response_event"',
    "text": 'event.type == "raw_response_event" and isinstance(event.data, ResponseTextDeltaEvent)',
    "any": "True",
}


def chunk_metrics(shape: Shape, theme: Theme) -> Program:
    """The seed's performance metrics: time to the first chunk, and a chunk count."""
    pacing = Pacing(shape["first"], 0.1)
    answer = " ".join(["word"] * (shape["tokens"] - 1)) + "."
    script = Script((role(theme["assistant"], Turn(text=answer)),))
    loop = METRICS_LOOP.format(ask=q(theme["ask"]), condition=COUNTED[shape["counted"]])
    premise = (
        f"`model` is an offline model, scripted to answer in {shape['tokens']} tokens "
        f"(“{answer}”).{CHAT} The first chunk comes after {pacing.first_token:g} s, with the "
        f"first token; then one chunk every {pacing.per_token:g} s."
    )
    return Program(
        code=agent("agent", theme["assistant"]) + loop.rstrip(),
        script=script,
        premise=premise,
        model="chat-completions",
        pacing=pacing,
        input=theme["ask"],
        agents=(theme["assistant"],),
    )


RUNS = (("0", "1", "2", "1+1"), ("none", "first"))

DELTA_FILTER = Scenario(
    slug="delta-filter",
    lesson=LESSON,
    title="Which raw events carry the text",
    summary="Text built from raw response events filtered four ways: only "
    "ResponseTextDeltaEvent carries the answer's text, and not every raw event has a delta.",
    shapes=tuple(
        Shape(f"{name}-{shape.key}", {**shape.values, "filter": name})
        for name in FILTERS
        for shape in run_shapes(
            ("0", "1", "2", "1+1", "2+1"), ("none", "first", "each"), ("none", "said")
        )
    ),
    themes=THEMES,
    build=delta_filter,
)

RAW_SEQUENCE = Scenario(
    slug="raw-sequence",
    lesson=LESSON,
    title="The raw events of a response",
    summary="The raw event types a Chat Completions response becomes, in order: the response, "
    "its items and parts, the deltas, and the closing events.",
    shapes=tuple(
        Shape(f"r{skip + 1}-{shape.key}", {**shape.values, "skip": skip})
        for skip in (0, 1)
        for shape in run_shapes(
            ("0", "1", "2", "3", "1+1", "2+1"), ("none", "first", "each"), ("none", "said")
        )
        if skip == 0 or shape["pattern"] != "0" or shape["handoff"] != "none"
    ),
    themes=THEMES,
    build=raw_sequence,
)

TEXT_AND_ARGUMENTS = Scenario(
    slug="text-and-arguments",
    lesson=LESSON,
    title="Text deltas and argument deltas",
    summary="Text deltas and the tool calls' argument deltas gathered apart: what each holds "
    "at the end of a run with tools and preambles.",
    shapes=run_shapes(("0", "1", "2", "1+1", "2+1", "3"), ("none", "first", "each")),
    themes=THEMES,
    build=text_and_arguments,
)

RESPONSES = Scenario(
    slug="responses",
    lesson=LESSON,
    title="What each response holds",
    summary="Each response.completed event carries the whole response: its output items. "
    "result.raw_responses keeps one per model call.",
    shapes=run_shapes(
        ("0", "1", "2", "1+1", "2+1", "1+1+1"),
        ("none", "first", "each"),
        ("none", "direct", "said"),
    ),
    themes=THEMES,
    build=responses,
)

CHUNK_METRICS = Scenario(
    slug="chunk-metrics",
    lesson=LESSON,
    title="Counting chunks",
    summary="Time to the first chunk and a chunk count, measured on every raw event, on text "
    "deltas only, or on every event.",
    shapes=tuple(
        Shape(
            f"{counted}-t{tokens}-f{str(first).replace('.', 'p')}",
            {"counted": counted, "tokens": tokens, "first": first},
        )
        for counted in COUNTED
        for tokens in (4, 9)
        for first in (0.5, 1.5)
    ),
    themes=THEMES,
    build=chunk_metrics,
)

INDEX_LOOP = """
last = None
async for event in result.stream_events():
    if event.type != "raw_response_event":
        continue
    if isinstance(event.data, ResponseTextDeltaEvent):
        seen = (event.data.output_index, "text")
    elif isinstance(event.data, ResponseFunctionCallArgumentsDeltaEvent):
        seen = (event.data.output_index, "arguments")
    elif isinstance(event.data, ResponseCompletedEvent):
        seen = ("completed",)
    else:
        continue
    if seen != last:
        print(*seen)
        last = seen
"""


def output_index(shape: Shape, theme: Theme) -> Program:
    """Which output item each delta belongs to: its output_index, response by response."""
    return _program(shape, theme, INDEX_LOOP)


OUTPUT_INDEX = Scenario(
    slug="output-index",
    lesson=LESSON,
    title="Whose delta is it",
    summary="Each delta names the output item it belongs to (output_index): the message, or "
    "one of the calls, counted within its response.",
    shapes=run_shapes(
        ("0", "1", "2", "3", "1+1", "2+1"), ("none", "first", "each"), ("none", "said")
    ),
    themes=THEMES,
    build=output_index,
)

# --- usage in response.completed ----------------------------------------------------------------

USAGE_CHAT = (
    " It is an `OpenAIChatCompletionsModel` whose (offline) server, at a base URL of its own (not "
    "api.openai.com), streams Chat Completions chunks, one per token, as the OpenAI API does: with "
    "a usage chunk at the end when the request asks for one (`stream_options`), else none."
)
USAGE_SETTING = "ModelSettings(include_usage=True)"
USAGE_LOOP = """
async for event in result.stream_events():
    if event.type == "raw_response_event" and isinstance(event.data, ResponseCompletedEvent):
        print("usage" if event.data.response.usage else "no usage")
usage = result.context_wrapper.usage
print(usage.requests, "requests; tokens counted:", usage.total_tokens > 0)
"""
# Where `include_usage=True` is set: nowhere, on the agent with the tools, on the triage agent
# the run starts with, or in the run's RunConfig (for every agent).
USAGE_SETTINGS = ("none", "agent", "triage", "run")


def usage(shape: Shape, theme: Theme) -> Program:
    """Whether each response.completed carries usage, and what the run's usage counts."""
    where = shape["settings"]
    setting = [f"model_settings={USAGE_SETTING}"]
    run = where == "run"
    return _program(
        shape,
        theme,
        USAGE_LOOP,
        chat=USAGE_CHAT,
        before=[f"config = RunConfig(model_settings={USAGE_SETTING})"] if run else (),
        agent_extra=setting if where == "agent" else (),
        start_extra=setting if where == "triage" else (),
        run_arguments=["run_config=config"] if run else (),
    )


USAGE = Scenario(
    slug="usage",
    lesson=LESSON,
    title="Usage in the completed event",
    summary="What response.completed says of token usage when the request asks for it, or not, "
    "agent by agent, and what the run's usage counts.",
    shapes=tuple(
        Shape(f"{where}-{shape.key}", {**shape.values, "settings": where})
        for where in USAGE_SETTINGS
        for shape in run_shapes(("0", "1", "1+1", "1+1+1"), ("none",), ("none", "direct", "chain"))
        if where != "triage" or shape["handoff"] != "none"
    ),
    themes=THEMES,
    build=usage,
)

# --- raw events of a run that stops --------------------------------------------------------------

STOPS_LOOP = """
try:
    async for event in result.stream_events():
        if event.type == "raw_response_event" and event.data.type in SHOWN:
            print(event.data.type)
        elif event.type == "run_item_stream_event" and event.name in SHOWN:
            print(event.name)
except Exception as error:
    print(type(error).__name__)
"""
SHOWN = """
SHOWN = (
    "response.created",
    "response.completed",
    "tool_output",
    "handoff_occured",
    "message_output_created",
)
"""
STOP_GUARDRAILS = {
    "input": (
        "@input_guardrail(run_in_parallel=False)\n"
        "async def screen(ctx, agent, text):\n"
        "    return GuardrailFunctionOutput(output_info=None, tripwire_triggered=True)",
        "input_guardrails=[screen]",
    ),
    "output": (
        "@output_guardrail\n"
        "async def review(ctx, agent, output):\n"
        "    return GuardrailFunctionOutput(output_info=None, tripwire_triggered=True)",
        "output_guardrails=[review]",
    ),
}
STOPS = ("turns-1", "turns-2", "input", "output")


def stops(shape: Shape, theme: Theme) -> Program:
    """The raw events and items of a run that max_turns or a guardrail stops, and its error."""
    stop = shape["stop"]
    guardrail, extra = STOP_GUARDRAILS.get(stop, ("", ""))
    return _program(
        shape,
        theme,
        SHOWN.strip() + "\n" + STOPS_LOOP.strip(),
        before=[guardrail] if guardrail else (),
        agent_extra=[extra] if extra else (),
        run_arguments=[f"max_turns={stop.removeprefix('turns-')}"] if stop in STOPS[:2] else (),
    )


STOPPED = Scenario(
    slug="stopped",
    lesson=LESSON,
    title="When the run stops",
    summary="The responses, tool outputs and handoffs a consumer sees when max_turns or a "
    "guardrail stops the run, and where the exception comes.",
    shapes=tuple(
        Shape(f"{stop}-{shape.key}", {**shape.values, "stop": stop})
        for stop in STOPS
        for shape in run_shapes(("0", "1", "2", "1+1"), ("none",), ("none", "direct"))
    ),
    themes=THEMES,
    build=stops,
)

SCENARIOS = (
    DELTA_FILTER,
    RAW_SEQUENCE,
    TEXT_AND_ARGUMENTS,
    RESPONSES,
    CHUNK_METRICS,
    OUTPUT_INDEX,
    USAGE,
    STOPPED,
)
