"""Families of the basics category: the consumer loop, the result while the run goes on, first
mistakes, counting events, max_turns, what the result holds, and reading on after a break."""

from __future__ import annotations

import re
from collections.abc import Sequence

from lessons.scenarios.library import basics as scenarios
from questions.claims import Claim
from questions.families.base import Family, Misconception, Run, on_lines, printed
from questions.families.transforms import Lines, changed, drop_first

AGENT_LINE = "Agent changed to: "
TOOL_LINE = "Tool called..."


def _agent_only_on_handoffs(lines: Sequence[str]) -> Lines | None:
    first = next((line for line in lines if line.startswith(AGENT_LINE)), None)
    return None if first is None else drop_first(lines, first)


def _deltas_on_own_lines(run: Run) -> Claim | None:
    """print(..., end="") taken to print a line per delta: here, the text breaks at the tool
    lines it runs into."""
    lines: list[str] = []
    for line in run.printed:
        if line.endswith(TOOL_LINE) and line != TOOL_LINE:
            lines += [line.removesuffix(TOOL_LINE), TOOL_LINE]
        else:
            lines.append(line)
    return None if tuple(lines) == run.printed else printed(lines)


def _tool_line_per_response(lines: Sequence[str]) -> Lines | None:
    result: list[str] = []
    for line in lines:
        if line == TOOL_LINE and result and result[-1].endswith(TOOL_LINE):
            continue
        result.append(line)
    return changed(lines, result)


def _tool_line_before_preamble(lines: Sequence[str]) -> Lines | None:
    result: list[str] = []
    for line in lines:
        if line.endswith(TOOL_LINE) and line != TOOL_LINE:
            result += [TOOL_LINE, line.removesuffix(TOOL_LINE)]
        else:
            result.append(line)
    return changed(lines, result)


def _handoff_text_missing(lines: Sequence[str]) -> Lines | None:
    """The new agent announced after the text it writes."""
    agents = [i for i, line in enumerate(lines) if line.startswith(AGENT_LINE)]
    if len(agents) < 2 or agents[1] + 1 >= len(lines):
        return None
    result = list(lines)
    moved = result.pop(agents[1])
    result.insert(agents[1] + 1, moved)
    return changed(lines, result)


SEED_LOOP = Family(
    slug="seed-loop",
    number=1,
    category="basics",
    level="beginner",
    objective="run-streamed-api",
    topic="what the course's consumer loop prints",
    scenario=scenarios.SEED_LOOP_SCENARIO,
    question="What does this program print? (Each option lists the lines on the screen.)",
    explanation="""
The loop prints each text delta without a newline (`end=""`), so the text of one message runs
on, and whatever is printed next starts right after it on the same line. Tool calls print a line
each (`tool_call_item`, one per call), and every agent update prints one, the first one at the
start of the run, before any text.
""",
    misconceptions=(
        on_lines(
            "the agent changes only with a handoff",
            _agent_only_on_handoffs,
            "The stream opens with an agent update for the starting agent. "
            "The run printed {printed}.",
        ),
        Misconception(
            "each delta is printed on a line of its own",
            _deltas_on_own_lines,
            '`end=""` leaves the line open: the next print continues it. '
            "The run printed {printed}.",
        ),
        on_lines(
            "one tool line per response",
            _tool_line_per_response,
            "Each call is a `tool_call_item`: one line per call. The run printed {printed}.",
        ),
        on_lines(
            "the tool calls come before the text of the same response",
            _tool_line_before_preamble,
            "The preamble is written first; the calls are announced after it. "
            "The run printed {printed}.",
        ),
        on_lines(
            "the new agent is announced once it has spoken",
            _handoff_text_missing,
            "The agent update comes as the new agent starts, before its text. "
            "The run printed {printed}.",
        ),
    ),
)


STATE = re.compile(r"^(True|False) (.*) (\d+)$")


def _states(run: Run) -> list[tuple[str, str, int]]:
    found = []
    for line in run.printed:
        match = STATE.match(line)
        if match:
            found.append((match.group(1), match.group(2), int(match.group(3))))
    return found


def _state_lines(states: Sequence[tuple[str, str, int]]) -> Claim:
    return printed([f"{done} {output} {count}" for done, output, count in states])


def _final_fills_as_text_streams(run: Run) -> Claim | None:
    """final_output set as soon as the answer's message item exists."""
    states = _states(run)
    reply = run.variant.theme["reply"]
    if run["at"] != "message" or len(states) < 3:
        return None
    changed_states = [states[0], *((done, reply, n) for done, _, n in states[1:-1]), states[-1]]
    if run["break"]:
        changed_states[-1] = (states[-1][0], reply, states[-1][2])
    return None if changed_states == states else _state_lines(changed_states)


def _break_completes(run: Run) -> Claim | None:
    states = _states(run)
    if not run["break"] or not states:
        return None
    reply = run.variant.theme["reply"]
    last = states[-1]
    return _state_lines([*states[:-1], ("True", reply, last[2])])


def _complete_at_start(run: Run) -> Claim | None:
    states = _states(run)
    if not states or states[0][0] == "True":
        return None
    return _state_lines([("True", *states[0][1:]), *states[1:]])


def _empty_string_before(run: Run) -> Claim | None:
    states = _states(run)
    if not states:
        return None
    return _state_lines([(done, "" if out == "None" else out, n) for done, out, n in states])


STREAM_STATE = Family(
    slug="stream-state",
    number=2,
    category="basics",
    level="beginner",
    objective="run-streamed-api",
    topic="is_complete, final_output and new_items while the run goes on",
    scenario=scenarios.STREAM_STATE,
    question="What does this program print?",
    explanation="""
`Runner.run_streamed()` returns at once, before anything has run: `is_complete` is False,
`final_output` None, `new_items` empty. While the events come, `final_output` stays None, even
when the answer's message item has been announced, and `new_items` fills a turn at a time,
behind the events. When the loop has taken the last event, the run is complete and
`final_output` holds the answer. Leaving the loop early leaves the run unfinished.
""",
    misconceptions=(
        Misconception(
            "final_output fills in as soon as the answer's item is there",
            _final_fills_as_text_streams,
            "`final_output` is set when the run finishes, after the last event. "
            "The run printed {printed}.",
        ),
        Misconception(
            "leaving the loop completes the run",
            _break_completes,
            "`break` stops reading; the run is still going, not complete, with no final output. "
            "The run printed {printed}.",
        ),
        Misconception(
            "run_streamed returns a finished result",
            _complete_at_start,
            "`run_streamed()` returns before the run has started: not complete. "
            "The run printed {printed}.",
        ),
        Misconception(
            "final_output starts as an empty string",
            _empty_string_before,
            "Before the run ends, `final_output` is None. The run printed {printed}.",
        ),
    ),
    knobs={
        "break": {True: "a `break` after the print", False: "no `break`"},
        "at": {
            "update": "the print at the agent update",
            "call": "the print at `tool_called`",
            "message": "the print at `message_output_created`",
        },
    },
)


FIRST_MISTAKES = Family(
    slug="first-mistakes",
    number=3,
    category="basics",
    level="beginner",
    objective="run-streamed-api",
    topic="run_streamed and stream_events used right, and wrong",
    scenario=scenarios.FIRST_MISTAKES,
    question="What happens when this program runs?",
    explanation="""
`Runner.run_streamed()` is a plain method: it returns a `RunResultStreaming` at once, which is
neither awaitable nor iterable. The events come from calling `result.stream_events()`, an async
generator: `async for` over it, not `for`, and not `await`. `final_output` is None until the
stream has ended. Only some raw events have a `delta`: the first one does not.
""",
    misconceptions=(),
    knobs={
        "code": {
            "right": "`async for event in result.stream_events():`",
            "await-run": "`await Runner.run_streamed(...)`",
            "iterate-result": "`async for event in result:`",
            "no-call": "`async for event in result.stream_events:` (not called)",
            "sync-for": "`for event in result.stream_events():`",
            "too-early": "`final_output` printed before the loop",
            "every-delta": "`event.data.delta` read on every raw event",
            "wrong-type": 'a loop waiting for `event.type == "text_delta"`',
            "await-events": "`await result.stream_events()`",
            "upper-early": "`final_output.upper()` before the loop",
        }
    },
)


COUNTS = re.compile(r"'(\w+)': (\d+)")


def _counts(run: Run) -> dict[str, int]:
    return (
        {name: int(count) for name, count in COUNTS.findall(run.printed[0])} if run.printed else {}
    )


def _counts_claim(counts: dict[str, int]) -> Claim:
    return printed([repr({name: count for name, count in counts.items() if count})])


def _labels(run: Run, name: str) -> int:
    return sum(1 for label in run.events if label == name)


def _updates_only_on_handoffs(run: Run) -> Claim | None:
    counts = dict(_counts(run))
    counts["agent_updated_stream_event"] = counts.get("agent_updated_stream_event", 0) - 1
    return _counts_claim(counts)


def _one_update_per_run(run: Run) -> Claim | None:
    counts = dict(_counts(run))
    if counts.get("agent_updated_stream_event", 0) < 2:
        return None
    counts["agent_updated_stream_event"] = 1
    return _counts_claim(counts)


def _one_item_per_tool(run: Run) -> Claim | None:
    calls = _labels(run, "tool_called")
    if not calls:
        return None
    counts = dict(_counts(run))
    counts["run_item_stream_event"] -= calls
    return _counts_claim(counts)


def _messages_are_no_items(run: Run) -> Claim | None:
    counts = dict(_counts(run))
    counts["run_item_stream_event"] -= _labels(run, "message_output_created")
    return _counts_claim(counts)


def _handoffs_are_no_items(run: Run) -> Claim | None:
    handoffs = _labels(run, "handoff_requested")
    if not handoffs:
        return None
    counts = dict(_counts(run))
    counts["run_item_stream_event"] -= 2 * handoffs
    return _counts_claim(counts)


def _one_message_per_run(run: Run) -> Claim | None:
    messages = _labels(run, "message_output_created")
    if messages < 2:
        return None
    counts = dict(_counts(run))
    counts["run_item_stream_event"] -= messages - 1
    return _counts_claim(counts)


EVENT_COUNTS = Family(
    slug="event-counts",
    number=4,
    category="basics",
    level="intermediate",
    objective="event-types",
    topic="how many agent updates and run item events a run has",
    scenario=scenarios.EVENT_COUNTS,
    question="What does this program print?",
    explanation="""
Besides its raw events, a run has an `agent_updated_stream_event` for the starting agent and one
more for each handoff, and a `run_item_stream_event` for every step: each message (preambles
too), each tool call and each tool output, and two per handoff (its call and its result).
""",
    misconceptions=(
        Misconception(
            "agent updates come only with handoffs",
            _updates_only_on_handoffs,
            "The starting agent is announced too. The run printed {printed}.",
        ),
        Misconception(
            "one agent update per run",
            _one_update_per_run,
            "Every handoff announces its agent. The run printed {printed}.",
        ),
        Misconception(
            "a tool call is one item",
            _one_item_per_tool,
            "A call and its output are two items: `tool_called` and `tool_output`. "
            "The run printed {printed}.",
        ),
        Misconception(
            "messages are not run items",
            _messages_are_no_items,
            "Every message, streamed or not, is a run item too. The run printed {printed}.",
        ),
        Misconception(
            "handoffs make no run items",
            _handoffs_are_no_items,
            "A handoff brings two items: `handoff_requested` and `handoff_occured`. "
            "The run printed {printed}.",
        ),
        Misconception(
            "one message per run",
            _one_message_per_run,
            "Preambles are messages too. The run printed {printed}.",
        ),
    ),
)


MAX_TURNS = Family(
    slug="max-turns",
    number=5,
    category="basics",
    level="intermediate",
    objective="errors-fallbacks",
    topic="what max_turns counts",
    scenario=scenarios.MAX_TURNS,
    question="What does this program print?",
    explanation="""
`max_turns` counts model calls, not tool calls: a response with two calls is one turn, and the
answer after the tools is a turn too. When the run would need one more, it stops:
`MaxTurnsExceeded` ("Max turns (n) exceeded") is raised from `stream_events()`, after the events
of the turns it ran, and `final_output` stays None.
""",
    misconceptions=(),
    knobs={
        "max": "`max_turns={}`",
        "per_turn": {1: "one call per response", 2: "two calls per response"},
        "turns": "a model that calls tools {} times before answering",
    },
)


RESULT_LINE = re.compile(r"^(responses|items|input|last): (.*)$")


def _fields(run: Run) -> dict[str, str]:
    found = {}
    for line in run.printed:
        match = RESULT_LINE.match(line)
        if match:
            found[match.group(1)] = match.group(2)
    return found


def _with_fields(run: Run, **changes: object) -> Claim | None:
    fields = _fields(run)
    if len(fields) != 4:
        return None
    fields.update({name: str(value) for name, value in changes.items()})
    return printed([f"{name}: {fields[name]}" for name in ("responses", "items", "input", "last")])


def _raw_responses_are_events(run: Run) -> Claim | None:
    return _with_fields(
        run, responses=sum(1 for label in run.events if label.startswith("response."))
    )


def _items_are_events(run: Run) -> Claim | None:
    return _with_fields(run, items=len(run.events))


def _input_is_items(run: Run) -> Claim | None:
    fields = _fields(run)
    return None if "items" not in fields else _with_fields(run, input=fields["items"])


def _last_is_starter(run: Run) -> Claim | None:
    starter = run.variant.theme["triage"] if run["handoff"] != "none" else None
    return None if starter is None else _with_fields(run, last=starter)


def _one_response(run: Run) -> Claim | None:
    fields = _fields(run)
    return None if fields.get("responses") == "1" else _with_fields(run, responses=1)


RESULT_AFTER = Family(
    slug="result-after",
    number=6,
    category="basics",
    level="advanced",
    objective="architecture",
    topic="raw_responses, new_items, to_input_list() and last_agent",
    scenario=scenarios.RESULT_AFTER,
    question="What does this program print?",
    explanation="""
Once the stream is done, `raw_responses` holds one `ModelResponse` per model call (a handoff's
transfer is a call), `new_items` one item per step of the run (messages, tool calls and
outputs, the handoff's two items), `to_input_list()` the original input followed by those
items (what the next turn would send), and `last_agent` the agent that gave the final answer.
""",
    misconceptions=(
        Misconception(
            "raw_responses holds the raw events",
            _raw_responses_are_events,
            "`raw_responses` holds the model's responses, one per call. The run printed {printed}.",
        ),
        Misconception(
            "new_items holds every event",
            _items_are_events,
            "`new_items` holds the run's items, not its stream events. The run printed {printed}.",
        ),
        Misconception(
            "to_input_list() is the new items only",
            _input_is_items,
            "`to_input_list()` starts with the original input. The run printed {printed}.",
        ),
        Misconception(
            "the last agent is the starting agent",
            _last_is_starter,
            "After a handoff the specialist answers: it is the last agent. "
            "The run printed {printed}.",
        ),
        Misconception(
            "one response per run",
            _one_response,
            "Each model call is a response. The run printed {printed}.",
        ),
    ),
)


SECOND = "second loop:"


def _replays(run: Run) -> Claim | None:
    """A second loop taken to replay the stream from the start."""
    everything = []
    for label in run.events:
        if label.startswith("agent_updated_stream_event:"):
            everything.append("agent " + label.split(":", 1)[1])
        elif not label.startswith("response."):
            everything.append(label)
    return printed([SECOND, *everything])


def _closed_after_break(run: Run) -> Claim | None:
    return None if run.printed == (SECOND,) else printed([SECOND])


def _break_event_again(run: Run) -> Claim | None:
    seen = [label for label in run.events if not label.startswith("response.")]
    first_loop = len(seen) - (len(run.printed) - 1)
    if first_loop < 1:
        return None
    last = seen[first_loop - 1]
    shown = "agent " + last.split(":", 1)[1] if last.startswith("agent_updated") else last
    return printed([SECOND, shown, *run.printed[1:]])


def _second_loop_raises(run: Run) -> Claim | None:
    return printed([SECOND], "RuntimeError")


RESUME_LOOP = Family(
    slug="resume-loop",
    number=7,
    category="basics",
    level="advanced",
    objective="run-streamed-api",
    topic="a second loop over stream_events() after a break",
    scenario=scenarios.RESUME_LOOP_SCENARIO,
    question="What does this program print?",
    explanation="""
`stream_events()` reads the run's event queue: each event is handed out once. Leaving the loop
does not end the run or empty the queue, so a second `async for` over `stream_events()` goes on
with the events the first loop had not taken, to the end of the run; the event the first loop
broke on is not handed out again.
""",
    misconceptions=(
        Misconception(
            "a second loop replays the stream",
            _replays,
            "Each event is handed out once; the second loop gets what was left. "
            "The run printed {printed}.",
        ),
        Misconception(
            "the stream is closed after a break",
            _closed_after_break,
            "The run and its queue carry on after a `break`. The run printed {printed}.",
        ),
        Misconception(
            "the event the loop broke on comes again",
            _break_event_again,
            "The first loop took that event; it is not handed out twice. "
            "The run printed {printed}.",
        ),
        Misconception(
            "a stream can be read only once",
            _second_loop_raises,
            "Calling `stream_events()` again is allowed: it reads on. The run printed {printed}.",
        ),
    ),
)

FAMILIES = (
    SEED_LOOP,
    STREAM_STATE,
    FIRST_MISTAKES,
    EVENT_COUNTS,
    MAX_TURNS,
    RESULT_AFTER,
    RESUME_LOOP,
)
