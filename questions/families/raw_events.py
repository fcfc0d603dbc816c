"""Families of the raw-events category, run on the SDK's Chat Completions model: the raw events
are the SDK's own conversion of OpenAI-shaped chunks."""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Sequence

from lessons.scenarios.library import raw_events as scenarios
from questions.claims import Claim
from questions.families.base import Family, Misconception, Run, on_lines, printed
from questions.families.transforms import Lines, changed

PREAMBLE = re.compile(r"Calling [^.]*\.")
ARGUMENTS = re.compile(r"\{[^{}]*\}")


def _text_line(run: Run) -> str | None:
    return run.printed[0] if run.printed and not run.raised else None


def _with_text(run: Run, text: str) -> Claim:
    return printed([repr(text), str(text == _final(run))])


def _final(run: Run) -> str:
    return run.variant.theme["reply"]


def _collected(run: Run) -> str | None:
    line = _text_line(run)
    if line is None:
        return None
    value = ast.literal_eval(line)
    return value if isinstance(value, str) else None


def _final_is_all_text(run: Run) -> Claim | None:
    text = _collected(run)
    if text is None or text == _final(run):
        return None
    return printed([repr(text), "True"])


def _arguments_are_not_deltas(run: Run) -> Claim | None:
    text = _collected(run)
    if text is None or run["filter"] != "hasattr":
        return None
    return _with_text(run, ARGUMENTS.sub("", text))


def _preamble_is_no_text(run: Run) -> Claim | None:
    text = _collected(run)
    if text is None or not PREAMBLE.search(text):
        return None
    return _with_text(run, PREAMBLE.sub("", text))


def _data_type_is_the_event_type(run: Run) -> Claim | None:
    if run["filter"] != "data-type":
        return None
    return printed(["''", "False"])


def _chunks_not_events(run: Run) -> Claim | None:
    """A Chat Completions model's raw events taken for ChatCompletionChunk objects."""
    text = _collected(run)
    if not text:
        return None
    return printed(["''", "False"])


def _final_set_later(run: Run) -> Claim | None:
    text = _collected(run)
    if text is None or text != _final(run):
        return None
    return printed([repr(text), "False"])


def _no_delta_raises_nothing(run: Run) -> Claim | None:
    if not run.raised:
        return None
    return printed(["''", "False"])


DELTA_FILTER = Family(
    slug="delta-filter",
    number=1,
    category="raw-events",
    level="beginner",
    objective="raw-events",
    topic="which raw events carry the text",
    scenario=scenarios.DELTA_FILTER,
    question="What does this program print?",
    explanation="""
Raw response events are of many types, and only some have a `delta`: the first raw event of a
response is a `ResponseCreatedEvent`, without one. `isinstance(event.data,
ResponseTextDeltaEvent)` (or `event.data.type == "response.output_text.delta"`) picks the
text; `hasattr(event.data, "delta")` also picks the tool calls' argument deltas. The text of the
whole stream includes every message the model wrote, a preamble before tool calls too, while
`final_output` is the final answer only.
""",
    misconceptions=(
        Misconception(
            "final_output is all the streamed text",
            _final_is_all_text,
            "`final_output` is the final answer only, not a preamble written before tool "
            "calls. The run printed {printed}.",
        ),
        Misconception(
            "tool-call arguments have no delta",
            _arguments_are_not_deltas,
            "`ResponseFunctionCallArgumentsDeltaEvent` has a `delta` too: the arguments' JSON. "
            "The run printed {printed}.",
        ),
        Misconception(
            "a preamble is not text",
            _preamble_is_no_text,
            "What the model writes before its calls streams as text deltas like the answer. "
            "The run printed {printed}.",
        ),
        Misconception(
            "event.data.type never names a delta",
            _data_type_is_the_event_type,
            "`event.data.type` is the Responses event type: `response.output_text.delta` for "
            "text. The run printed {printed}.",
        ),
        Misconception(
            "a Chat Completions model streams chunks, not Responses events",
            _chunks_not_events,
            "Whatever the model, the SDK gives raw events of the Responses API types: the "
            "Chat Completions model converts its chunks. The run printed {printed}.",
        ),
        Misconception(
            "final_output is set only after the loop has moved on",
            _final_set_later,
            "When `stream_events()` ends, the run is complete and `final_output` is set. "
            "The run printed {printed}.",
        ),
        Misconception(
            "a missing attribute is skipped",
            _no_delta_raises_nothing,
            "Reading `event.data.delta` on an event without one raises. It raised {raised}.",
        ),
    ),
    knobs={
        "filter": {
            "isinstance": "`isinstance(event.data, ResponseTextDeltaEvent)`",
            "type-only": 'only `event.type == "raw_response_event"`',
            "hasattr": '`hasattr(event.data, "delta")`',
            "data-type": '`event.data.type == "response.output_text.delta"`',
        }
    },
)


ITEM_ADDED, ITEM_DONE = "response.output_item.added", "response.output_item.done"
PART_ADDED, PART_DONE = "response.content_part.added", "response.content_part.done"
TEXT, ARGS = "response.output_text.delta", "response.function_call_arguments.delta"


def _insert_after_each(lines: Sequence[str], after: str, new: str) -> Lines | None:
    result: list[str] = []
    for line in lines:
        result.append(line)
        if line == after:
            result.append(new)
    return changed(lines, result)


def _items_closed_at_once(lines: Sequence[str]) -> Lines | None:
    """Each item closed right after its deltas, not all at the end."""
    result: list[str] = []
    for line in lines:
        if line in (ITEM_DONE, PART_DONE):
            continue
        if line in (ITEM_ADDED, "response.completed") and result and result[-1] in (TEXT, ARGS):
            result.extend(_closing(result[-1]))
        result.append(line)
    return changed(lines, result)


def _closing(last: str) -> list[str]:
    """What closes an item right after its last delta: its text part first, if it has one."""
    return [PART_DONE, ITEM_DONE] if last == TEXT else [ITEM_DONE]


def _in_progress(lines: Sequence[str]) -> Lines | None:
    return _insert_after_each(lines, "response.created", "response.in_progress")


def _text_done(lines: Sequence[str]) -> Lines | None:
    return _insert_after_each(lines, TEXT, "response.output_text.done")


def _arguments_done(lines: Sequence[str]) -> Lines | None:
    return _insert_after_each(lines, ARGS, "response.function_call_arguments.done")


def _parts_for_calls(lines: Sequence[str]) -> Lines | None:
    result: list[str] = []
    for index, line in enumerate(lines):
        result.append(line)
        following = lines[index + 1] if index + 1 < len(lines) else ""
        if line == ITEM_ADDED and following == ARGS:
            result.append(PART_ADDED)
    return changed(lines, result)


def _no_item_events(lines: Sequence[str]) -> Lines | None:
    return changed(lines, [line for line in lines if line not in (ITEM_ADDED, ITEM_DONE)])


RAW_SEQUENCE = Family(
    slug="raw-sequence",
    number=2,
    category="raw-events",
    level="intermediate",
    objective="raw-events",
    topic="the raw events of a response, in order",
    scenario=scenarios.RAW_SEQUENCE,
    question="What does this program print?",
    explanation="""
The SDK's Chat Completions model turns the chunks into Responses events: `response.created`,
then for each output item `response.output_item.added` (with `response.content_part.added` for
a message) and its deltas; the items are closed together when the stream ends
(`response.content_part.done`, `response.output_item.done`), then `response.completed`. It
sends no `response.in_progress` and no `.done` event for the text or the arguments.
""",
    misconceptions=(
        on_lines(
            "each item is closed right after its deltas",
            _items_closed_at_once,
            "The converter closes the items when the whole response has arrived. "
            "The run printed {printed}.",
        ),
        on_lines(
            "response.in_progress follows response.created",
            _in_progress,
            "The Chat Completions converter emits no `response.in_progress`. "
            "The run printed {printed}.",
        ),
        on_lines(
            "the text ends with output_text.done",
            _text_done,
            "The converter sends no `response.output_text.done`; the message's item closes it. "
            "The run printed {printed}.",
        ),
        on_lines(
            "the arguments end with function_call_arguments.done",
            _arguments_done,
            "The converter sends no `.done` for the arguments; the call's item closes them. "
            "The run printed {printed}.",
        ),
        on_lines(
            "a tool call has a content part",
            _parts_for_calls,
            "Content parts belong to messages; a call's item holds its arguments. "
            "The run printed {printed}.",
        ),
        on_lines(
            "deltas come without item events",
            _no_item_events,
            "Each output item is announced (`output_item.added`) before its deltas and closed "
            "after. The run printed {printed}.",
        ),
    ),
)


def _split(run: Run) -> tuple[str, str] | None:
    if len(run.printed) != 2:
        return None
    text = ast.literal_eval(run.printed[0].removeprefix("text: "))
    arguments = ast.literal_eval(run.printed[1].removeprefix("arguments: "))
    return text, arguments


def _lines(text: str, arguments: str) -> Claim:
    return printed([f"text: {text!r}", f"arguments: {arguments!r}"])


def _arguments_in_text(run: Run) -> Claim | None:
    parts = _split(run)
    if parts is None or not parts[1]:
        return None
    return _lines(parts[0] + parts[1], "")


def _last_call_only(run: Run) -> Claim | None:
    parts = _split(run)
    calls = ARGUMENTS.findall(parts[1]) if parts else []
    if parts is None or len(calls) < 2:
        return None
    return _lines(parts[0], calls[-1])


def _answer_only(run: Run) -> Claim | None:
    parts = _split(run)
    if parts is None or parts[0] == _final(run):
        return None
    return _lines(_final(run), parts[1])


def _arguments_come_whole(run: Run) -> Claim | None:
    parts = _split(run)
    if parts is None or not parts[1]:
        return None
    return _lines(parts[0], "")


def _chunks_in_split(run: Run) -> Claim | None:
    parts = _split(run)
    if parts is None or not (parts[0] or parts[1]):
        return None
    return _lines("", "")


def _first_call_only(run: Run) -> Claim | None:
    parts = _split(run)
    calls = ARGUMENTS.findall(parts[1]) if parts else []
    if parts is None or len(calls) < 2:
        return None
    return _lines(parts[0], calls[0])


TEXT_AND_ARGUMENTS = Family(
    slug="text-and-arguments",
    number=3,
    category="raw-events",
    level="intermediate",
    objective="tool-events",
    topic="text deltas versus tool-argument deltas",
    scenario=scenarios.TEXT_AND_ARGUMENTS,
    question="What does this program print?",
    explanation="""
Text deltas (`ResponseTextDeltaEvent`) carry what the model writes, every message of the run:
preambles before tool calls and the answer. A tool call's arguments stream as
`ResponseFunctionCallArgumentsDeltaEvent` deltas, pieces of its JSON; gathered in one string
across the run, the arguments of every call follow one another.
""",
    misconceptions=(
        Misconception(
            "tool-call arguments are part of the text",
            _arguments_in_text,
            "Argument deltas are their own event type; the `isinstance` checks keep them apart. "
            "The run printed {printed}.",
        ),
        Misconception(
            "only the last call's arguments remain",
            _last_call_only,
            "The program appends every argument delta to one string: all the calls' JSON. "
            "The run printed {printed}.",
        ),
        Misconception(
            "the text is the final answer only",
            _answer_only,
            "Preambles stream as text deltas too. The run printed {printed}.",
        ),
        Misconception(
            "arguments arrive whole, not as deltas",
            _arguments_come_whole,
            "The arguments stream in pieces, as argument delta events. The run printed {printed}.",
        ),
        Misconception(
            "a Chat Completions model streams chunks, not Responses events",
            _chunks_in_split,
            "The SDK converts the model's chunks into Responses events: the `isinstance` checks "
            "match them. The run printed {printed}.",
        ),
        Misconception(
            "one call's arguments per run",
            _first_call_only,
            "Each call streams its own arguments. The run printed {printed}.",
        ),
    ),
)


def _response_lists(run: Run) -> list[list[str]]:
    return [ast.literal_eval(line) for line in run.printed[:-1]]


def _response_lines(lists: Sequence[Sequence[str]], count: int) -> Claim:
    return printed([*(repr(list(items)) for items in lists), f"{count} responses"])


def _one_raw_response(run: Run) -> Claim | None:
    lists = _response_lists(run)
    return None if len(lists) < 2 else _response_lines(lists, 1)


def _raw_responses_count_events(run: Run) -> Claim | None:
    raw = sum(1 for label in run.events if label.startswith("response."))
    return _response_lines(_response_lists(run), raw)


def _preamble_separate(run: Run) -> Claim | None:
    lists = _response_lists(run)
    split: list[list[str]] = []
    for items in lists:
        if "message" in items and "function_call" in items:
            split += [["message"], [item for item in items if item != "message"]]
        else:
            split.append(list(items))
    if split == lists:
        return None
    return _response_lines(split, len(split))


def _calls_separate(run: Run) -> Claim | None:
    lists = _response_lists(run)
    split: list[list[str]] = []
    for items in lists:
        calls = [item for item in items if item == "function_call"]
        rest = [item for item in items if item != "function_call"]
        if len(calls) > 1:
            split += [[*rest, "function_call"], *(["function_call"] for _ in calls[1:])]
        else:
            split.append(list(items))
    if split == lists:
        return None
    return _response_lines(split, len(split))


def _completed_only_at_end(run: Run) -> Claim | None:
    lists = _response_lists(run)
    if len(lists) < 2:
        return None
    merged = [item for items in lists for item in items]
    return _response_lines([merged], len(lists))


def _handoff_not_a_call(run: Run) -> Claim | None:
    if run["handoff"] == "none":
        return None
    lists = _response_lists(run)
    return _response_lines(lists[1:], len(lists) - 1)


RESPONSES = Family(
    slug="responses",
    number=4,
    category="raw-events",
    level="advanced",
    objective="custom-processors",
    topic="response.completed events and raw_responses",
    scenario=scenarios.RESPONSES,
    question="What does this program print?",
    explanation="""
Each model call is one response: its `response.completed` event carries the whole response,
whose `output` lists its items in order (a preamble message, then the function calls it made; a
handoff is a function call too). The next call, after the tools, is a new response.
`result.raw_responses` keeps one `ModelResponse` per model call, not the raw events.
""",
    misconceptions=(
        Misconception(
            "one response per run",
            _one_raw_response,
            "Every model call is a response, and `raw_responses` keeps each one. "
            "The run printed {printed}.",
        ),
        Misconception(
            "raw_responses holds the raw events",
            _raw_responses_count_events,
            "`raw_responses` holds the model's responses, one per call, not its stream events. "
            "The run printed {printed}.",
        ),
        Misconception(
            "a preamble is a response of its own",
            _preamble_separate,
            "A preamble and the calls after it come in one response. The run printed {printed}.",
        ),
        Misconception(
            "each call is a response of its own",
            _calls_separate,
            "Calls made together come in one response. The run printed {printed}.",
        ),
        Misconception(
            "response.completed comes once, at the end",
            _completed_only_at_end,
            "Each model call's response completes on its own. The run printed {printed}.",
        ),
        Misconception(
            "a handoff is not a model response",
            _handoff_not_a_call,
            "The triage agent's call to its transfer tool is a response like any other. "
            "The run printed {printed}.",
        ),
    ),
)


METRICS = re.compile(r"^first chunk after ([\d.]+) s, (\d+) chunks$")


def _metrics(run: Run) -> tuple[float, int] | None:
    match = METRICS.match(run.printed[0]) if run.printed else None
    return None if match is None else (float(match.group(1)), int(match.group(2)))


def _metrics_line(first: float, chunks: int) -> Claim:
    return printed([f"first chunk after {first:.1f} s, {chunks} chunks"])


def _raw_events_are_tokens(run: Run) -> Claim | None:
    found = _metrics(run)
    if found is None or run["counted"] == "text":
        return None
    return _metrics_line(found[0], run["tokens"])


def _first_event_is_instant(run: Run) -> Claim | None:
    found = _metrics(run)
    if found is None or found[0] == 0.0:
        return None
    return _metrics_line(0.0, found[1])


def _agent_update_waits(run: Run) -> Claim | None:
    found = _metrics(run)
    if found is None or run["counted"] != "any":
        return None
    return _metrics_line(run["first"], found[1])


def _only_deltas_are_raw(run: Run) -> Claim | None:
    found = _metrics(run)
    if found is None or run["counted"] != "raw":
        return None
    return _metrics_line(found[0], run["tokens"] + 2)


def _run_items_are_raw(run: Run) -> Claim | None:
    found = _metrics(run)
    if found is None or run["counted"] != "raw":
        return None
    return _metrics_line(found[0], found[1] + 1)


CHUNK_METRICS = Family(
    slug="chunk-metrics",
    number=5,
    category="raw-events",
    level="beginner",
    objective="performance-metrics",
    topic="time to first chunk and chunk counts",
    scenario=scenarios.CHUNK_METRICS,
    question="What does this program print?",
    explanation="""
What a metric counts decides what it says. Counting every raw event counts more than the tokens:
a response also brings `response.created`, the item and content-part events around the text,
and `response.completed`. Counting every event adds the run's own: the agent update, which comes
at once, before the model has answered, and the message item. Only text deltas measure the
text: their count is the tokens', and the first one comes with the first token.
""",
    misconceptions=(
        Misconception(
            "every raw event is a token",
            _raw_events_are_tokens,
            "Besides its text deltas a response has its own events (created, item and part "
            "events, completed). The run printed {printed}.",
        ),
        Misconception(
            "the first event comes at once",
            _first_event_is_instant,
            "The first raw event comes with the model's first chunk. The run printed {printed}.",
        ),
        Misconception(
            "the agent update waits for the model",
            _agent_update_waits,
            "The agent update opens the stream before the model has answered. "
            "The run printed {printed}.",
        ),
        Misconception(
            "a response adds only created and completed",
            _only_deltas_are_raw,
            "The message's item and content part are announced and closed by events too. "
            "The run printed {printed}.",
        ),
        Misconception(
            "run items come as raw events",
            _run_items_are_raw,
            "The message item is a run item event, not a raw event. The run printed {printed}.",
        ),
    ),
    knobs={
        "counted": {
            "raw": "a count of every raw event",
            "text": "a count of text deltas",
            "any": "a count of every event",
        }
    },
)

COMPLETED = "completed"


def _index_lines(run: Run) -> list[list[str]]:
    """The printed lines grouped by response: each group's (index, kind) lines."""
    groups: list[list[str]] = [[]]
    for line in run.printed:
        if line == COMPLETED:
            groups.append([])
        else:
            groups[-1].append(line)
    return groups[:-1] if not groups[-1] else groups


def _from_groups(groups: Sequence[Sequence[str]]) -> Claim:
    lines: list[str] = []
    for group in groups:
        lines += [*group, COMPLETED]
    return printed(lines)


def _renumbered(run: Run, number: Callable[[int, int, str], int]) -> Claim | None:
    groups = []
    for response, group in enumerate(_index_lines(run)):
        renamed = []
        for position, line in enumerate(group):
            kind = line.split(" ", 1)[1]
            renamed.append(f"{number(response, position, kind)} {kind}")
        groups.append(renamed)
    claim = _from_groups(groups)
    return None if claim.printed == run.printed else claim


def _index_counts_responses(run: Run) -> Claim | None:
    return _renumbered(run, lambda response, position, kind: response)


def _text_and_calls_share(run: Run) -> Claim | None:
    return _renumbered(run, lambda response, position, kind: 0)


def _calls_counted_apart(run: Run) -> Claim | None:
    """Calls numbered among themselves, from 0, apart from the message."""

    def number(response: int, position: int, kind: str) -> int:
        group = _index_lines(run)[response]
        if kind == "text":
            return 0
        calls = [line for line in group[:position] if line.endswith("arguments")]
        return len(calls)

    return _renumbered(run, number)


def _counted_from_one(run: Run) -> Claim | None:
    return _renumbered(run, lambda response, position, kind: position + 1)


def _one_completed_per_run(run: Run) -> Claim | None:
    groups = _index_lines(run)
    if len(groups) < 2:
        return None
    return printed([line for group in groups for line in group] + [COMPLETED])


OUTPUT_INDEX = Family(
    slug="output-index",
    number=6,
    category="raw-events",
    level="intermediate",
    objective="custom-processors",
    topic="output_index: which output item a delta belongs to",
    scenario=scenarios.OUTPUT_INDEX,
    question="What does this program print?",
    explanation="""
A delta's `output_index` is the position, in its response's output, of the item it belongs to:
a preamble message is item 0 and the calls after it 1, 2...; without a preamble the first call
is 0. Every model call is a new response, counted from 0 again, and ends with its own
`response.completed`.
""",
    misconceptions=(
        Misconception(
            "output_index counts the responses",
            _index_counts_responses,
            "The index is the item's place within its response's output, not the response's "
            "number. The run printed {printed}.",
        ),
        Misconception(
            "text and calls share one index",
            _text_and_calls_share,
            "Each output item of a response has its own index. The run printed {printed}.",
        ),
        Misconception(
            "calls are numbered apart from the message",
            _calls_counted_apart,
            "The message and the calls are items of the same output list, numbered together. "
            "The run printed {printed}.",
        ),
        Misconception(
            "indexes start at 1",
            _counted_from_one,
            "`output_index` counts from 0. The run printed {printed}.",
        ),
        Misconception(
            "one response.completed per run",
            _one_completed_per_run,
            "Each model call's response completes. The run printed {printed}.",
        ),
    ),
)

# --- usage in response.completed ----------------------------------------------------------------

USAGE_TOTALS = re.compile(r"^(\d+) requests; tokens counted: (True|False)$")
HANDOFFS = {"none": 0, "direct": 1, "chain": 2}


def _usage_marks(run: Run) -> list[bool]:
    """Per response.completed event, in order: whether it carried usage."""
    return [line == "usage" for line in run.printed[:-1]]


def _requests(run: Run) -> int:
    match = USAGE_TOTALS.match(run.printed[-1]) if run.printed else None
    return int(match.group(1)) if match else 0


def _usage_claim(run: Run, marks: Sequence[bool], requests: int) -> Claim | None:
    """The lines a believer expects; None when they are what the run printed (no distractor)."""
    lines = ["usage" if mark else "no usage" for mark in marks]
    lines.append(f"{requests} requests; tokens counted: {any(marks)}")
    return None if tuple(lines) == run.printed else printed(lines)


def _usage_always(run: Run) -> Claim | None:
    marks = _usage_marks(run)
    return _usage_claim(run, [True] * len(marks), len(marks))


def _requests_from_usage(run: Run) -> Claim | None:
    marks = _usage_marks(run)
    return _usage_claim(run, marks, sum(marks))


def _usage_at_the_end(run: Run) -> Claim | None:
    if run["settings"] == "none":
        return None
    marks = _usage_marks(run)
    return _usage_claim(run, [False] * (len(marks) - 1) + [True], _requests(run))


def _starting_agent_rules(run: Run) -> Claim | None:
    if run["settings"] != "agent" or run["handoff"] == "none":
        return None
    marks = _usage_marks(run)
    return _usage_claim(run, [False] * len(marks), _requests(run))


def _settings_handed_on(run: Run) -> Claim | None:
    if run["settings"] != "triage":
        return None
    marks = _usage_marks(run)
    return _usage_claim(run, [True] * len(marks), _requests(run))


def _run_config_starts_only(run: Run) -> Claim | None:
    if run["settings"] != "run" or run["handoff"] == "none":
        return None
    marks = _usage_marks(run)
    return _usage_claim(run, [True] + [False] * (len(marks) - 1), _requests(run))


def _tool_calls_are_requests(run: Run) -> Claim | None:
    if run["pattern"] == "0":
        return None
    calls = sum(int(part) for part in run["pattern"].split("+"))
    return _usage_claim(run, _usage_marks(run), _requests(run) + calls)


def _handoffs_are_no_requests(run: Run) -> Claim | None:
    handoffs = HANDOFFS[run["handoff"]]
    if not handoffs:
        return None
    return _usage_claim(run, _usage_marks(run), _requests(run) - handoffs)


USAGE = Family(
    slug="usage",
    number=7,
    category="raw-events",
    level="advanced",
    objective="observability",
    topic="usage in response.completed, and the run's usage",
    scenario=scenarios.USAGE,
    question="What does this program print?",
    explanation="""
A Chat Completions server streams token usage only when the request asks for it
(`stream_options={"include_usage": True}`); the SDK asks by default only of OpenAI's own API, so
elsewhere `ModelSettings(include_usage=True)` does it. The `response.completed` event then
carries the response's `usage`, else `None`. Each agent sends its own model settings (a
`RunConfig`'s apply to every agent of the run, an agent's to its own calls only). The run's
usage (`result.context_wrapper.usage`) counts every model call in `requests`, handoffs included,
with or without usage; only its tokens need the usage.
""",
    misconceptions=(
        Misconception(
            "the completed event always carries usage",
            _usage_always,
            "Without `include_usage` the server sends no usage chunk, and the completed "
            "response's `usage` is `None`. The run printed {printed}.",
        ),
        Misconception(
            "requests counts only the responses that reported usage",
            _requests_from_usage,
            "`requests` counts every model call, whether it reported usage or not. "
            "The run printed {printed}.",
        ),
        Misconception(
            "usage comes once, with the run's last response",
            _usage_at_the_end,
            "Every response that asked for usage reports its own, in its own completed event. "
            "The run printed {printed}.",
        ),
        Misconception(
            "the starting agent's model settings rule the run",
            _starting_agent_rules,
            "Each agent sends its own model settings: the specialist's calls ask for usage. "
            "The run printed {printed}.",
        ),
        Misconception(
            "an agent's model settings pass on to the agent it hands off to",
            _settings_handed_on,
            "An agent's model settings are its own: after the handoff, the calls do not ask for "
            "usage. The run printed {printed}.",
        ),
        Misconception(
            "a RunConfig's model settings apply to the starting agent only",
            _run_config_starts_only,
            "The `RunConfig`'s model settings apply to every agent of the run. "
            "The run printed {printed}.",
        ),
        Misconception(
            "each tool call is a request",
            _tool_calls_are_requests,
            "`requests` counts model calls; the tools run in the program, not at the model. "
            "The run printed {printed}.",
        ),
        Misconception(
            "a handoff is not a request",
            _handoffs_are_no_requests,
            "A handoff is a model call (to the transfer tool) like any other: a request. "
            "The run printed {printed}.",
        ),
    ),
    knobs={
        "settings": {
            "none": "no `include_usage`",
            "agent": "`include_usage=True` on the agent with the tools",
            "triage": "`include_usage=True` on the triage agent",
            "run": "`include_usage=True` in the `RunConfig`",
        }
    },
)

# --- raw events of a run that stops --------------------------------------------------------------

CREATED, DONE = "response.created", "response.completed"
TOOL, HANDOFF, MESSAGE = "tool_output", "handoff_occured", "message_output_created"
MAX_TURNS, INPUT_TRIP, OUTPUT_TRIP = (
    "MaxTurnsExceeded",
    "InputGuardrailTripwireTriggered",
    "OutputGuardrailTripwireTriggered",
)


def _turns(run: Run) -> list[list[str]]:
    """The lines each model call of the whole run would print (triage, tool turns, answer)."""
    turns = [[CREATED, DONE, HANDOFF] for _ in range(HANDOFFS[run["handoff"]])]
    if run["pattern"] != "0":
        turns += [[CREATED, DONE] + [TOOL] * int(n) for n in run["pattern"].split("+")]
    return [*turns, [CREATED, DONE, MESSAGE]]


def _flat(turns: Sequence[Sequence[str]], *end: str) -> list[str]:
    return [line for turn in turns for line in turn] + list(end)


def _stop_claim(run: Run, lines: Sequence[str]) -> Claim | None:
    return None if tuple(lines) == run.printed else printed(lines)


def _limit(run: Run) -> int | None:
    stop = run["stop"]
    return int(stop.removeprefix("turns-")) if stop.startswith("turns-") else None


def _exceeded(run: Run) -> int | None:
    """max_turns when the run needs more turns than it allows; else None."""
    limit = _limit(run)
    return limit if limit is not None and len(_turns(run)) > limit else None


def _next_turn_opens(run: Run) -> Claim | None:
    limit = _exceeded(run)
    if limit is None:
        return None
    return _stop_claim(run, _flat(_turns(run)[:limit], CREATED, MAX_TURNS))


def _last_tools_skipped(run: Run) -> Claim | None:
    limit = _exceeded(run)
    if limit is None:
        return None
    turns = _turns(run)[:limit]
    return _stop_claim(run, _flat([*turns[:-1], [CREATED, DONE]], MAX_TURNS))


def _handoff_is_no_turn(run: Run) -> Claim | None:
    limit = _limit(run)
    handoffs = HANDOFFS[run["handoff"]]
    if limit is None or not handoffs:
        return None
    turns = _turns(run)
    allowed = limit + handoffs
    end = [MAX_TURNS] if len(turns) > allowed else []
    return _stop_claim(run, _flat(turns[:allowed], *end))


def _answer_is_no_turn(run: Run) -> Claim | None:
    limit = _limit(run)
    if limit is None:
        return None
    turns = _turns(run)
    end = [MAX_TURNS] if len(turns) > limit + 1 else []
    return _stop_claim(run, _flat(turns[: limit + 1], *end))


def _limit_reached_raises(run: Run) -> Claim | None:
    limit = _limit(run)
    if limit is None or len(_turns(run)) != limit:
        return None
    return _stop_claim(run, _flat(_turns(run), MAX_TURNS))


def _failed_run_has_no_events(run: Run) -> Claim | None:
    raised = run.printed[-1] if run.printed else ""
    if raised not in (MAX_TURNS, OUTPUT_TRIP) or len(run.printed) < 2:
        return None
    return _stop_claim(run, [raised])


def _input_guardrail_on_any_agent(run: Run) -> Claim | None:
    handoffs = HANDOFFS[run["handoff"]]
    if run["stop"] != "input" or not handoffs:
        return None
    return _stop_claim(run, _flat(_turns(run)[:handoffs], INPUT_TRIP))


def _input_guardrail_after_first_response(run: Run) -> Claim | None:
    if run["stop"] != "input" or run["handoff"] != "none":
        return None
    return _stop_claim(run, [CREATED, DONE, INPUT_TRIP])


def _output_guardrail_before_answer(run: Run) -> Claim | None:
    if run["stop"] != "output":
        return None
    return _stop_claim(run, _flat(_turns(run)[:-1], OUTPUT_TRIP))


def _output_guardrail_drops_message(run: Run) -> Claim | None:
    if run["stop"] != "output":
        return None
    return _stop_claim(run, [*_flat(_turns(run))[:-1], OUTPUT_TRIP])


def _output_guardrail_on_each_response(run: Run) -> Claim | None:
    turns = _turns(run)
    if run["stop"] != "output" or len(turns) < 2:
        return None
    return _stop_claim(run, _flat(turns[:1], OUTPUT_TRIP))


STOPPED = Family(
    slug="stopped",
    number=8,
    category="raw-events",
    level="advanced",
    objective="errors-fallbacks",
    topic="the raw events of a run that max_turns or a guardrail stops",
    scenario=scenarios.STOPPED,
    question="What does this program print?",
    explanation="""
Every model call is a turn, a handoff's too, and streams its response (`response.created` ...
`response.completed`) before its tools run. `max_turns=N` lets N model calls stream and their
tools run; the run raises `MaxTurnsExceeded` when it would start call N+1, before any of that
call's events. A blocking input guardrail (`run_in_parallel=False`) of the starting agent trips
before the first model call: no raw events at all; input guardrails run for the starting agent
only. An output guardrail checks the final answer once it is complete: every event of the run
comes first, then the exception. In each case `stream_events()` yields every event queued
before it raises.
""",
    misconceptions=(
        Misconception(
            "the turn past max_turns still opens its response",
            _next_turn_opens,
            "The limit is checked before the next model call: no `response.created` for it. "
            "The run printed {printed}.",
        ),
        Misconception(
            "the last allowed turn's tools (or handoff) do not run",
            _last_tools_skipped,
            "What the last allowed turn called runs (its tools, or its handoff); the limit stops "
            "the next model call. The run printed {printed}.",
        ),
        Misconception(
            "a handoff is not a turn",
            _handoff_is_no_turn,
            "The triage agent's call to its transfer tool is a model call, and counts as a "
            "turn. The run printed {printed}.",
        ),
        Misconception(
            "the final answer does not count as a turn",
            _answer_is_no_turn,
            "The answer is a model call like the others: it counts against `max_turns`. "
            "The run printed {printed}.",
        ),
        Misconception(
            "reaching max_turns raises even when the last turn is the answer",
            _limit_reached_raises,
            "A run whose last allowed turn is the final answer completes. "
            "The run printed {printed}.",
        ),
        Misconception(
            "a run that fails delivers none of its events",
            _failed_run_has_no_events,
            "`stream_events()` yields every event of the run before it raises. "
            "The run printed {printed}.",
        ),
        Misconception(
            "an input guardrail runs whichever agent has it",
            _input_guardrail_on_any_agent,
            "Input guardrails run for the starting agent only, not for an agent handed off to. "
            "The run printed {printed}.",
        ),
        Misconception(
            "a blocking input guardrail trips after the first response",
            _input_guardrail_after_first_response,
            "With `run_in_parallel=False` the guardrail runs before the model is called: no "
            "raw event at all. The run printed {printed}.",
        ),
        Misconception(
            "an output guardrail stops the answer from streaming",
            _output_guardrail_before_answer,
            "The output guardrail checks the answer once it is complete: its response streams "
            "first. The run printed {printed}.",
        ),
        Misconception(
            "the answer's message item is withheld when the output guardrail trips",
            _output_guardrail_drops_message,
            "The message item is emitted with the response, before the guardrail runs. "
            "The run printed {printed}.",
        ),
        Misconception(
            "an output guardrail checks every response",
            _output_guardrail_on_each_response,
            "An output guardrail checks the final output only. The run printed {printed}.",
        ),
    ),
    knobs={
        "stop": {
            "turns-1": "`max_turns=1`",
            "turns-2": "`max_turns=2`",
            "input": "a blocking input guardrail that trips",
            "output": "an output guardrail that trips",
        }
    },
)

FAMILIES = (
    DELTA_FILTER,
    RAW_SEQUENCE,
    TEXT_AND_ARGUMENTS,
    RESPONSES,
    CHUNK_METRICS,
    OUTPUT_INDEX,
    USAGE,
    STOPPED,
)
