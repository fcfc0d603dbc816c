"""Scenarios of lesson 02, raw response events, on the SDK's Chat Completions model: the raw
events a consumer sees are the ones the SDK's converter makes from OpenAI-shaped chunks."""

from __future__ import annotations

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


def _program(shape: Shape, theme: Theme, loop: str, *, pacing: Pacing | None = None) -> Program:
    script = run_script(shape, theme)
    return Program(
        code=run_code(shape, theme, loop),
        script=script,
        premise=narrate(script) + CHAT,
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

SCENARIOS = (
    DELTA_FILTER,
    RAW_SEQUENCE,
    TEXT_AND_ARGUMENTS,
    RESPONSES,
    CHUNK_METRICS,
    OUTPUT_INDEX,
)
