"""Families of the run-items category: what a consumer of run item events sees."""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Sequence

from lessons.scenarios.library import run_items as scenarios
from lessons.scenarios.library.runs import tool_count
from questions.claims import Claim
from questions.families.base import Family, Misconception, Run, on_lines, printed
from questions.families.transforms import (
    Lines,
    apply,
    changed,
    drop,
    interleave,
    keep_last,
    move_after,
    prepend,
    rename,
    squeeze,
)

CALLED, OUTPUT, MESSAGE = "tool_called", "tool_output", "message_output_created"
ITEM_TYPES = {
    CALLED: "tool_call_item",
    OUTPUT: "tool_call_output_item",
    MESSAGE: "message_output_item",
    "handoff_requested": "handoff_call_item",
    "handoff_occured": "handoff_output_item",
}
NAMES = {item_type: name for name, item_type in ITEM_TYPES.items()}
CALL_ITEM, OUTPUT_ITEM, MESSAGE_ITEM = (
    "tool_call_item",
    "tool_call_output_item",
    "message_output_item",
)
HANDOFF_CALL, HANDOFF_OUTPUT = "handoff_call_item", "handoff_output_item"

ITEM_NAMES = Family(
    slug="item-names",
    number=1,
    category="run-items",
    level="beginner",
    objective="event-types",
    topic="run item event names with tools",
    scenario=scenarios.ITEM_NAMES,
    question="What does this program print?",
    explanation="""
Run item events describe whole steps of the run, in the order the SDK processes them: for each
model response, first the message it wrote (a preamble is a message too), then every tool call
it made (`tool_called`, all of them, before any tool runs), then their outputs (`tool_output`),
and the next response after that. The final answer is one more `message_output_created`.
Agent updates and raw events are other event types, which the `if` skips.
""",
    misconceptions=(
        on_lines(
            "each output follows its call at once",
            apply(interleave, CALLED, OUTPUT),
            "Calls made in one response are all announced before any of them runs: "
            "`tool_called` for each, then `tool_output` for each. The run printed {printed}.",
        ),
        on_lines(
            "one message per run",
            apply(keep_last, MESSAGE),
            "Every message the model writes is a run item, a preamble before tool calls too. "
            "The run printed {printed}.",
        ),
        on_lines(
            "the preamble is announced after the tools",
            apply(move_after, MESSAGE, CALLED, OUTPUT),
            "The preamble comes first in the model's response, so its `message_output_created` "
            "comes before that response's tool calls. The run printed {printed}.",
        ),
        on_lines(
            "streamed text gets no run item",
            apply(drop, MESSAGE),
            "Text arrives as raw delta events and, once the message is complete, as a "
            "`message_output_created` run item as well. The run printed {printed}.",
        ),
        on_lines(
            "the agent update is a run item",
            apply(prepend, "agent_updated_stream_event"),
            "`agent_updated_stream_event` is an event type of its own, not a run item event, so "
            "the `if` skips it. The run printed {printed}.",
        ),
        on_lines(
            "one event per response",
            apply(squeeze, CALLED, OUTPUT),
            "There is one `tool_called` and one `tool_output` per call, not per response. "
            "The run printed {printed}.",
        ),
        on_lines(
            "event.name is the item's type",
            apply(rename, ITEM_TYPES),
            "`event.name` is the event's name (`tool_called`); the item's type "
            "(`tool_call_item`) is `event.item.type`. The run printed {printed}.",
        ),
    ),
    knobs={
        "preamble": {
            "first": "a preamble before the first calls only",
            "each": "a preamble before every response's calls",
        }
    },
)

ITEM_TYPES_FAMILY = Family(
    slug="item-types",
    number=2,
    category="run-items",
    level="beginner",
    objective="event-types",
    topic="run item types, handoff items included",
    scenario=scenarios.ITEM_TYPES,
    question="What does this program print?",
    explanation="""
Each run item event carries an item, whose `type` says what it is: `tool_call_item` and
`tool_call_output_item` for a tool call and its result, `message_output_item` for a message,
`handoff_call_item` and `handoff_output_item` for a handoff (the transfer tool's call and its
result). The events' names are different words for the same steps (`tool_called`,
`tool_output`, `message_output_created`, `handoff_requested`, `handoff_occured`).
""",
    misconceptions=(
        on_lines(
            "the item type is the event's name",
            apply(rename, NAMES),
            "`event.item.type` is the item's type (`tool_call_item`), not the event's name "
            "(`tool_called`). The run printed {printed}.",
        ),
        on_lines(
            "a handoff is an ordinary tool call",
            apply(rename, {HANDOFF_CALL: CALL_ITEM, HANDOFF_OUTPUT: OUTPUT_ITEM}),
            "A handoff is made through a tool call, but its items have types of their own: "
            "`handoff_call_item`, `handoff_output_item`. The run printed {printed}.",
        ),
        on_lines(
            "one message item per run",
            apply(keep_last, MESSAGE_ITEM),
            "Every message is an item: a preamble, the triage agent's words, the answer. "
            "The run printed {printed}.",
        ),
        on_lines(
            "each output follows its call at once",
            apply(interleave, CALL_ITEM, OUTPUT_ITEM),
            "The calls of one response are all made before their outputs come back. "
            "The run printed {printed}.",
        ),
        on_lines(
            "a handoff is one item",
            apply(drop, HANDOFF_OUTPUT),
            "A handoff gives two items: its call (`handoff_call_item`) and its result "
            "(`handoff_output_item`). The run printed {printed}.",
        ),
        on_lines(
            "the preamble comes after the tools",
            apply(move_after, MESSAGE_ITEM, CALL_ITEM, OUTPUT_ITEM),
            "A message written before the calls is emitted before them. The run printed {printed}.",
        ),
        on_lines(
            "streamed text is no item",
            apply(drop, MESSAGE_ITEM),
            "A message streams as deltas and is also an item once complete. "
            "The run printed {printed}.",
        ),
    ),
)


def _final_is_everything(lines: Sequence[str]) -> Lines | None:
    said = [line for line in lines[:-1]]
    return changed(lines, [*said, "final: " + " ".join(said)])


def _final_is_first(lines: Sequence[str]) -> Lines | None:
    return changed(lines, [*lines[:-1], "final: " + lines[0]])


def _cumulative(lines: Sequence[str]) -> Lines | None:
    said = list(lines[:-1])
    return changed(lines, [*(" ".join(said[: n + 1]) for n in range(len(said))), lines[-1]])


def _preambles_are_no_items(lines: Sequence[str]) -> Lines | None:
    return changed(lines, lines[-2:])


MESSAGE_TEXTS = Family(
    slug="message-texts",
    number=3,
    category="run-items",
    level="intermediate",
    objective="custom-processors",
    topic="messages of a run and final_output",
    scenario=scenarios.MESSAGE_TEXTS,
    question="What does this program print?",
    explanation="""
Every message the model writes is a `message_output_item`: a preamble before tool calls, a
triage agent's words before a handoff, and the answer. `ItemHelpers.text_message_output(item)`
gives that one message's text. `final_output` is the last agent's final answer only, not the
text of the whole run.
""",
    misconceptions=(
        on_lines(
            "final_output is all the run's text",
            _final_is_everything,
            "`final_output` is the final answer alone; the earlier messages are items of the run "
            "but not part of it. The run printed {printed}.",
        ),
        on_lines(
            "one message per run",
            apply(lambda lines: changed(lines, lines[-2:])),
            "Preambles and a triage agent's words are messages too, each with its own item. "
            "The run printed {printed}.",
        ),
        on_lines(
            "final_output is the first thing the model said",
            _final_is_first,
            "`final_output` is the answer that ended the run, the last message. "
            "The run printed {printed}.",
        ),
        on_lines(
            "text_message_output gives the text so far",
            _cumulative,
            "`ItemHelpers.text_message_output(item)` reads one message item: its own text only. "
            "The run printed {printed}.",
        ),
        on_lines(
            "a preamble streams but is no item",
            _preambles_are_no_items,
            "A message before tool calls is an item like any other. The run printed {printed}.",
        ),
    ),
    knobs={
        "preamble": {
            "first": "a preamble before the first calls only",
            "each": "a preamble before every response's calls",
        }
    },
)


def _item_types_of(events: Sequence[str]) -> list[str]:
    return [ITEM_TYPES[name] for name in events if name in ITEM_TYPES]


def _every_item(run: Run) -> list[str]:
    """The items of the whole run, had it finished: what new_items holds at the end."""
    items: list[str] = []
    if run["handoff"] != "none":
        said = [MESSAGE_ITEM] if run["handoff"] == "said" else []
        items += [*said, HANDOFF_CALL, HANDOFF_OUTPUT]
    pattern = run["pattern"]
    responses = [int(part) for part in pattern.split("+")] if tool_count(pattern) else []
    for position, count in enumerate(responses):
        if run["preamble"] == "each" or (run["preamble"] == "first" and position == 0):
            items.append(MESSAGE_ITEM)
        items += [CALL_ITEM] * count + [OUTPUT_ITEM] * count
    return [*items, MESSAGE_ITEM]


def _lines(run: Run) -> tuple[tuple[int, str], tuple[int, str]] | None:
    """The two printed lines as (count, is_complete)."""
    if len(run.printed) != 2:
        return None
    first, second = (line.split() for line in run.printed)
    return (int(first[0]), first[1]), (int(second[0]), second[1])


def _predict(
    run: Run, first: tuple[int, str] | None, second: tuple[int, str] | None
) -> Claim | None:
    """The believer's two lines: the run's own where the belief says nothing else."""
    lines = _lines(run)
    if lines is None:
        return None
    now, later = first or lines[0], second or lines[1]
    return printed([f"{now[0]} {now[1]}", f"{later[0]} {later[1]}"])


def _seen_so_far(run: Run) -> Claim | None:
    lines = _lines(run)
    seen = len(_item_types_of(run.events))
    return (
        None
        if lines is None
        else _predict(run, (seen, lines[0][1]), (max(seen, lines[1][0]), lines[1][1]))
    )


def _break_stops(run: Run) -> Claim | None:
    lines = _lines(run)
    if lines is None or run["stop"] != "break":
        return None
    return _predict(run, None, lines[0])


def _cancel_finishes(run: Run) -> Claim | None:
    if run["stop"] == "break":
        return None
    return _predict(run, None, (len(_every_item(run)), "True"))


def _cancel_is_not_complete(run: Run) -> Claim | None:
    lines = _lines(run)
    if lines is None or run["stop"] == "break":
        return None
    return _predict(run, (lines[0][0], "False"), (lines[1][0], "False"))


def _break_completes(run: Run) -> Claim | None:
    lines = _lines(run)
    if lines is None or run["stop"] != "break":
        return None
    return _predict(run, (lines[0][0], "True"), None)


def _emptied(run: Run) -> Claim | None:
    lines = _lines(run)
    return None if lines is None else _predict(run, (0, lines[0][1]), (0, lines[1][1]))


NEW_ITEMS = Family(
    slug="new-items",
    number=4,
    category="run-items",
    level="advanced",
    objective="custom-processors",
    topic="new_items after break or cancel",
    scenario=scenarios.NEW_ITEMS,
    question="What does this program print?",
    explanation="""
`result.new_items` is not a log of the events the consumer saw: the SDK adds a turn's items
once it has processed that turn (the model's response, then its tools' results), and the
stream's events run a little ahead. At a `tool_called` event the call is not in `new_items`
yet. `cancel()` stops the run at once and marks it complete; what was added stays.
`cancel(mode="after_turn")` lets the current turn finish, tools included, then stops. `break`
only stops reading: the run goes on in the background and completes, as ten seconds later show.
""",
    misconceptions=(
        Misconception(
            "new_items holds an item for every event seen",
            _seen_so_far,
            "The events run ahead of `new_items`: a turn's items are added once the turn is "
            "processed. The run printed {printed}.",
        ),
        Misconception(
            "break stops the run",
            _break_stops,
            "`break` stops reading, not the run: it carries on in the background and completes. "
            "The run printed {printed}.",
        ),
        Misconception(
            "cancel lets the run finish",
            _cancel_finishes,
            '`cancel()` stops the run; with `mode="after_turn"` it ends after the current turn, '
            "not at the end of the run. The run printed {printed}.",
        ),
        Misconception(
            "a cancelled run is not complete",
            _cancel_is_not_complete,
            "`cancel()` marks the run complete (`is_complete` is True) at once. "
            "The run printed {printed}.",
        ),
        Misconception(
            "break completes the run",
            _break_completes,
            "Right after `break`, the run is still going: `is_complete` is False. "
            "The run printed {printed}.",
        ),
        Misconception(
            "stopping empties new_items",
            _emptied,
            "Neither `break` nor `cancel()` takes back items already added. "
            "The run printed {printed}.",
        ),
    ),
    knobs={
        "stop": {
            "immediate": "`cancel()`",
            "after_turn": '`cancel(mode="after_turn")`',
            "break": "`break`",
        },
        "at": "the loop stopping at `{}`",
    },
)

BY = " by "


def _owners(run: Run) -> tuple[str, str] | None:
    """(the agent that hands off first, the specialist) from the items."""
    owners = [line.split(BY, 1)[1] for line in run.printed if BY in line]
    if not owners:
        return None
    return owners[0], owners[-1]


def _handoff_items_to_target(lines: Sequence[str]) -> Lines | None:
    result = list(lines)
    for index, line in enumerate(lines):
        if line.startswith("handoff_occured" + BY):
            following = next(
                (x for x in lines[index + 1 :] if BY in x and not x.startswith("handoff")), None
            )
            if following is not None:
                result[index] = "handoff_occured" + BY + following.split(BY, 1)[1]
    return changed(lines, result)


def _all_by_starter(run: Run) -> Claim | None:
    owners = _owners(run)
    if owners is None:
        return None
    return printed([line.split(BY, 1)[0] + BY + owners[0] for line in run.printed])


def _handoff_requested_by_target(lines: Sequence[str]) -> Lines | None:
    result = list(lines)
    for index, line in enumerate(lines):
        if line.startswith("handoff_requested" + BY):
            following = next((x for x in lines[index + 1 :] if not x.startswith("handoff")), None)
            if following is not None:
                result[index] = "handoff_requested" + BY + following.split(BY, 1)[1]
    return changed(lines, result)


def _tools_by_starter(run: Run) -> Claim | None:
    owners = _owners(run)
    if owners is None:
        return None
    lines = [
        line.split(BY, 1)[0] + BY + owners[0]
        if line.startswith(("tool_called", "tool_output"))
        else line
        for line in run.printed
    ]
    return None if tuple(lines) == run.printed else printed(lines)


ITEM_AGENTS = Family(
    slug="item-agents",
    number=5,
    category="run-items",
    level="intermediate",
    objective="event-types",
    topic="which agent each run item belongs to",
    scenario=scenarios.ITEM_AGENTS,
    question="What does this program print?",
    explanation="""
Every run item has an `agent`: the agent whose turn produced it. Both items of a handoff belong
to the agent that hands off (it called the transfer tool, and the transfer's result answers
that call); everything after, the specialist's preamble, tool calls, outputs and answer, belongs
to the specialist.
""",
    misconceptions=(
        on_lines(
            "the handoff's result belongs to the new agent",
            _handoff_items_to_target,
            "The transfer's result answers the call the handing-off agent made: it is that "
            "agent's item. The run printed {printed}.",
        ),
        Misconception(
            "every item belongs to the starting agent",
            _all_by_starter,
            "After a handoff the specialist's items are its own. The run printed {printed}.",
        ),
        on_lines(
            "the handoff is requested by the agent it goes to",
            _handoff_requested_by_target,
            "The agent that hands off makes the request. The run printed {printed}.",
        ),
        Misconception(
            "tools belong to the agent the run started with",
            _tools_by_starter,
            "The specialist calls its own tools. The run printed {printed}.",
        ),
    ),
)


CLASSES = {
    "ResponseOutputMessage": "str",
    "dict": "ResponseFunctionToolCallOutput",
}


def _raw_lines(run: Run, replace: dict[str, dict[str, str]]) -> Claim | None:
    lines = []
    for line in run.printed:
        name, kind = line.split(" ", 1)
        lines.append(f"{name} {replace.get(name, {}).get(kind, kind)}")
    return None if tuple(lines) == run.printed else printed(lines)


def _output_is_an_object(run: Run) -> Claim | None:
    return _raw_lines(
        run,
        {
            "tool_output": {"dict": "ResponseFunctionToolCallOutput"},
            "handoff_occured": {"dict": "ResponseFunctionToolCallOutput"},
        },
    )


def _message_is_text(run: Run) -> Claim | None:
    return _raw_lines(run, {"message_output_created": {"ResponseOutputMessage": "str"}})


def _handoff_wraps_agent(run: Run) -> Claim | None:
    return _raw_lines(run, {"handoff_occured": {"dict": "Agent"}})


def _output_is_text(run: Run) -> Claim | None:
    return _raw_lines(run, {"tool_output": {"dict": "str"}})


def _handoff_call_is_special(run: Run) -> Claim | None:
    return _raw_lines(run, {"handoff_requested": {"ResponseFunctionToolCall": "Handoff"}})


RAW_ITEMS = Family(
    slug="raw-items",
    number=6,
    category="run-items",
    level="advanced",
    objective="custom-processors",
    topic="the raw items run items wrap",
    scenario=scenarios.RAW_ITEMS,
    question="What does this program print?",
    explanation="""
A run item wraps its `raw_item`: what the model sent, or what goes back to it. A message is a
`ResponseOutputMessage` and a tool call a `ResponseFunctionToolCall`, a handoff's request too
(a handoff is a call of the transfer tool). A tool's result, and a handoff's, is the input item
sent back to the model: a plain `dict` (`{"type": "function_call_output", "call_id": ...,
"output": ...}`), not an object.
""",
    misconceptions=(
        Misconception(
            "a tool's result is wrapped in an object of its own",
            _output_is_an_object,
            "Results go back to the model as input items: plain dicts. The run printed {printed}.",
        ),
        Misconception(
            "a message item wraps its text",
            _message_is_text,
            "A message item wraps the model's whole message, a `ResponseOutputMessage`; "
            "`ItemHelpers.text_message_output()` gives its text. The run printed {printed}.",
        ),
        Misconception(
            "a handoff's result wraps the new agent",
            _handoff_wraps_agent,
            "The item's raw item is what goes back to the model, a dict; the agents are "
            "`source_agent` and `target_agent`. The run printed {printed}.",
        ),
        Misconception(
            "a tool's result is the output string",
            _output_is_text,
            "`item.output` is the value; `raw_item` is the dict sent back. "
            "The run printed {printed}.",
        ),
        Misconception(
            "a handoff request wraps a Handoff",
            _handoff_call_is_special,
            "The model called the transfer tool: a `ResponseFunctionToolCall`. "
            "The run printed {printed}.",
        ),
    ),
)


OUTPUT_LINE = re.compile(r"^(\w+) (.*)$")


def _outputs(run: Run) -> list[tuple[str, str]]:
    found = []
    for line in run.printed:
        match = OUTPUT_LINE.match(line)
        if match:
            found.append((match.group(1), match.group(2)))
    return found


def _output_lines(pairs: Sequence[tuple[str, str]]) -> Claim:
    return printed([f"{kind} {raw}" for kind, raw in pairs])


def _always_a_string(run: Run) -> Claim | None:
    pairs = _outputs(run)
    if all(kind == "str" for kind, _ in pairs):
        return None
    return _output_lines([("str", raw) for _, raw in pairs])


def _sent_as_json(run: Run) -> Claim | None:
    pairs = []
    for kind, raw in _outputs(run):
        value = (
            ast.literal_eval(ast.literal_eval(raw))
            if kind in ("dict", "list", "bool", "NoneType")
            else None
        )
        pairs.append(
            (kind, repr(json.dumps(value)) if kind in ("dict", "list", "bool", "NoneType") else raw)
        )
    return None if pairs == _outputs(run) else _output_lines(pairs)


def _sent_as_the_value(run: Run) -> Claim | None:
    pairs = []
    for kind, raw in _outputs(run):
        text = ast.literal_eval(raw)
        pairs.append((kind, text if kind != "str" else raw))
    return None if pairs == _outputs(run) else _output_lines(pairs)


def _none_is_empty(run: Run) -> Claim | None:
    pairs = _outputs(run)
    if not any(kind == "NoneType" for kind, _ in pairs):
        return None
    return _output_lines([(kind, "''" if kind == "NoneType" else raw) for kind, raw in pairs])


TOOL_OUTPUTS = Family(
    slug="tool-outputs",
    number=7,
    category="run-items",
    level="intermediate",
    objective="tool-events",
    topic="a tool_output item's output and what the model is sent",
    scenario=scenarios.TOOL_OUTPUTS,
    question="What does this program print?",
    explanation="""
A `tool_output` item keeps what the tool returned as it is: `item.output` is the int, the dict,
the None. The model is sent text: the item's raw item (the input item for the model) holds
`str()` of the value, so a dict goes as Python's repr (`{'temp': 21}`), not as JSON.
""",
    misconceptions=(
        Misconception(
            "a tool's output is always a string",
            _always_a_string,
            "`item.output` keeps the value the tool returned, whatever its type. "
            "The run printed {printed}.",
        ),
        Misconception(
            "the model is sent JSON",
            _sent_as_json,
            "The value is turned into text with `str()`: Python's repr for a dict or a list, "
            "`True`, `None`. The run printed {printed}.",
        ),
        Misconception(
            "the model is sent the value itself",
            _sent_as_the_value,
            "What goes back to the model is text: the raw item's output is a string. "
            "The run printed {printed}.",
        ),
        Misconception(
            "None becomes an empty output",
            _none_is_empty,
            "`str(None)` is `'None'`. The run printed {printed}.",
        ),
    ),
)

FAMILIES = (
    ITEM_NAMES,
    ITEM_TYPES_FAMILY,
    MESSAGE_TEXTS,
    NEW_ITEMS,
    ITEM_AGENTS,
    RAW_ITEMS,
    TOOL_OUTPUTS,
)
