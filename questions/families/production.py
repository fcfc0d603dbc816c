"""Families of the production category: how runs end, timeouts, fallbacks, guardrails racing
the model, error handlers, concurrent streams and slow consumers."""

from __future__ import annotations

import re
from collections.abc import Sequence

from lessons.offline import tokenize
from lessons.scenarios.library import production as scenarios
from lessons.scenarios.library.production import GUARD_PACE, TIMEOUT_PACE
from questions.claims import Claim
from questions.families.base import Family, Misconception, Run, on_lines, printed
from questions.families.transforms import Lines, changed

# --- how a run ends -------------------------------------------------------------------------------


def _state_lines(run: Run) -> tuple[list[str], str, str] | None:
    """(the exception line if any, the state right after, the state ten seconds later)."""
    lines = list(run.printed)
    if len(lines) < 2:
        return None
    return lines[:-2], lines[-2], lines[-1]


def _with_states(run: Run, now: str | None = None, later: str | None = None) -> Claim | None:
    parts = _state_lines(run)
    if parts is None:
        return None
    head, first, second = parts
    return printed([*head, now or first, later or second])


def _reply(run: Run) -> str:
    return run.variant.theme["reply"]


def _cancel_keeps_answer(run: Run) -> Claim | None:
    if run["ending"] not in ("cancel", "input-guardrail", "output-guardrail", "stream-fails"):
        return None
    return _with_states(run, later=f"True {_reply(run)}")


def _break_stops_the_run(run: Run) -> Claim | None:
    parts = _state_lines(run)
    if parts is None or run["ending"] not in ("break", "consumer-raises"):
        return None
    return _with_states(run, later=parts[1])


def _stopped_is_not_complete(run: Run) -> Claim | None:
    if run["ending"] in ("complete", "break", "consumer-raises"):
        return None
    return _with_states(run, now="False None", later="False None")


def _leaving_completes(run: Run) -> Claim | None:
    if run["ending"] not in ("break", "consumer-raises"):
        return None
    return _with_states(run, now="True None")


def _ends_quietly(run: Run) -> Claim | None:
    parts = _state_lines(run)
    if parts is None or not parts[0]:
        return None
    return printed([parts[1], parts[2]])


def _consumer_error_cancels(run: Run) -> Claim | None:
    if run["ending"] != "consumer-raises":
        return None
    return _with_states(run, now="True None", later="True None")


def _complete_only_later(run: Run) -> Claim | None:
    if run["ending"] != "complete":
        return None
    return _with_states(run, now="False None")


STOP_STATES = Family(
    slug="stop-states",
    number=1,
    category="production",
    level="beginner",
    objective="production-patterns",
    topic="is_complete and final_output however the run ends",
    scenario=scenarios.STOP_STATES,
    question="What does this program print?",
    explanation="""
`final_output` is set only when the run produces its final answer; `is_complete` says the run is
over, however it ended. `cancel()` ends it at once (complete, no final output). Leaving the loop
(`break`, or an exception in the consumer) does not stop the run: it is not complete yet, and
finishes in the background. A run that fails (the model, `max_turns`, a guardrail's tripwire)
raises from `stream_events()`, and is complete with no final output.
""",
    misconceptions=(
        Misconception(
            "a stopped run keeps its answer",
            _cancel_keeps_answer,
            "No final answer was produced, and nothing produces one later: `final_output` stays "
            "None. The run printed {printed}.",
        ),
        Misconception(
            "leaving the loop stops the run",
            _break_stops_the_run,
            "Leaving the loop stops reading, not the run: it finishes in the background. "
            "The run printed {printed}.",
        ),
        Misconception(
            "a run that did not finish is not complete",
            _stopped_is_not_complete,
            "`is_complete` is True once the run is over, however it ended. "
            "The run printed {printed}.",
        ),
        Misconception(
            "leaving the loop completes the run",
            _leaving_completes,
            "Right after the loop is left the run is still going: not complete. "
            "The run printed {printed}.",
        ),
        Misconception(
            "a failed run ends quietly",
            _ends_quietly,
            "A run that fails raises its exception from `stream_events()`. "
            "The run printed {printed}.",
        ),
        Misconception(
            "an exception in the consumer cancels the run",
            _consumer_error_cancels,
            "The consumer's exception only ends the consumer's loop; the run goes on. "
            "The run printed {printed}.",
        ),
        Misconception(
            "a run is complete only a while after its last event",
            _complete_only_later,
            "Once `stream_events()` has ended normally the run is complete. "
            "The run printed {printed}.",
        ),
    ),
    knobs={
        "ending": {
            "complete": "a loop that reads to the end",
            "break": "`break` at `tool_called`",
            "cancel": "`result.cancel()` at `tool_called`",
            "after-turn": '`result.cancel(mode="after_turn")` at `tool_called`',
            "consumer-raises": "an exception raised in the loop",
        }
    },
)


# --- timeouts -------------------------------------------------------------------------------------

RESULT_LINE = re.compile(r"^(?P<time>[\d.]+) s (?P<text>'.*'|\".*\") (?P<final>.*)$")


def _timeout_parts(run: Run) -> tuple[bool, float, str, str] | None:
    """(timed out, seconds, text received (a repr), final output) from the last line."""
    match = RESULT_LINE.match(run.printed[-1]) if run.printed else None
    if match is None:
        return None
    return "timed out" in run.printed, float(match["time"]), match["text"], match["final"]


def _timeout_line(seconds: float, text: str, final: str) -> str:
    return f"{seconds:.2f} s {text} {final}"


def _timeout_keeps_answer(run: Run) -> Claim | None:
    parts = _timeout_parts(run)
    if parts is None or not parts[0]:
        return None
    return printed(["timed out", _timeout_line(parts[1], parts[2], _reply(run))])


def _partial_text_lost(run: Run) -> Claim | None:
    parts = _timeout_parts(run)
    if parts is None or not parts[0] or parts[2] == "''":
        return None
    return printed(["timed out", _timeout_line(parts[1], "''", parts[3])])


def _text_by(seconds: float, reply: str) -> str:
    tokens = tokenize(reply)
    pace = TIMEOUT_PACE
    arrived = [t for i, t in enumerate(tokens) if pace.first_token + i * pace.per_token <= seconds]
    return repr("".join(arrived))


def _per_event_is_total(run: Run) -> Claim | None:
    """wait_for on each event taken as a deadline for the whole stream."""
    parts = _timeout_parts(run)
    if parts is None or run["mode"] != "each" or run["tool"]:
        return None
    seconds = run["seconds"]
    if parts[0] or parts[1] <= seconds:
        return None
    return printed(["timed out", _timeout_line(seconds, _text_by(seconds, _reply(run)), "None")])


def _total_is_per_event(run: Run) -> Claim | None:
    """A deadline for the whole stream taken as one per event: fast tokens never trip it."""
    parts = _timeout_parts(run)
    if parts is None or run["mode"] != "total" or not parts[0] or run["tool"]:
        return None
    if run["seconds"] < TIMEOUT_PACE.first_token:
        return None
    length = TIMEOUT_PACE.first_token + len(tokenize(_reply(run))) * TIMEOUT_PACE.per_token
    return printed([_timeout_line(length + 0.2, repr(_reply(run)), _reply(run))])


def _tools_do_not_count(run: Run) -> Claim | None:
    parts = _timeout_parts(run)
    if parts is None or not run["tool"] or not parts[0]:
        return None
    return printed([_timeout_line(parts[1] + 1.0, repr(_reply(run)), _reply(run))])


TIMEOUTS = Family(
    slug="timeouts",
    number=2,
    category="production",
    level="beginner",
    objective="errors-fallbacks",
    topic="where a timeout lands",
    scenario=scenarios.TIMEOUTS,
    question="What does this program print?",
    explanation="""
`asyncio.timeout(s)` around the loop is a deadline for the whole stream: it fires `s` seconds
after it was entered, whatever arrives meanwhile. `asyncio.wait_for(anext(events), s)` bounds
each wait for the next event: it fires only when one gap between events (the first token, a
slow tool) is longer than `s`. Either way the text received so far is kept, and after
`result.cancel()` the run has no final output.
""",
    misconceptions=(
        Misconception(
            "a timed-out run still has its answer",
            _timeout_keeps_answer,
            "The run was cancelled before its final answer: `final_output` is None. "
            "The run printed {printed}.",
        ),
        Misconception(
            "the text received before a timeout is lost",
            _partial_text_lost,
            "What arrived before the deadline is in `text`. The run printed {printed}.",
        ),
        Misconception(
            "wait_for on each event bounds the whole stream",
            _per_event_is_total,
            "`wait_for` bounds each wait for the next event; no gap was that long. "
            "The run printed {printed}.",
        ),
        Misconception(
            "a deadline for the stream is reset by each event",
            _total_is_per_event,
            "`asyncio.timeout` counts from when it was entered: tokens arriving do not move the "
            "deadline. The run printed {printed}.",
        ),
        Misconception(
            "a tool's time does not count",
            _tools_do_not_count,
            "While the tool runs no event comes, and the clock keeps going. "
            "The run printed {printed}.",
        ),
    ),
    knobs={
        "seconds": "a time limit of {} s",
        "mode": {
            "total": "`asyncio.timeout` around the loop",
            "each": "`asyncio.wait_for` on each event",
        },
    },
)


# --- when the first words show --------------------------------------------------------------------

TIMES = re.compile(r"at ([\d.]+) s$")


def _first_words(run: Run) -> tuple[float, float] | None:
    if len(run.printed) != 2:
        return None
    streamed, whole = (TIMES.search(line) for line in run.printed)
    if streamed is None or whole is None:
        return None
    return float(streamed.group(1)), float(whole.group(1))


def _times(streamed: float, whole: float) -> Claim:
    return printed(
        [f"streamed: first words at {streamed:.1f} s", f"run: first words at {whole:.1f} s"]
    )


def _same_time(run: Run) -> Claim | None:
    times = _first_words(run)
    return None if times is None else _times(times[0], times[0])


def _streamed_waits_too(run: Run) -> Claim | None:
    times = _first_words(run)
    return None if times is None else _times(times[1], times[1])


def _streamed_at_once(run: Run) -> Claim | None:
    times = _first_words(run)
    return None if times is None else _times(0.0, times[1])


def _whole_takes_every_token(run: Run) -> Claim | None:
    times = _first_words(run)
    if times is None:
        return None
    return _times(times[0], times[1] + run["per_token"])


def _whole_first(run: Run) -> Claim | None:
    times = _first_words(run)
    return None if times is None else _times(times[1], times[0])


WHEN_TO_STREAM = Family(
    slug="when-to-stream",
    number=3,
    category="production",
    level="beginner",
    objective="when-to-stream",
    topic="first words: streamed versus Runner.run",
    scenario=scenarios.WHEN_TO_STREAM,
    question="What does this program print?",
    explanation="""
Streamed, the first words reach the program with the first text delta, as soon as the model
writes them; `Runner.run` returns only when the whole answer is written, so its first words come
with its last. The longer the answer, the bigger the gap: for a one-line answer streaming gains
little, for a long one it changes how long the user waits to see anything.
""",
    misconceptions=(
        Misconception(
            "streaming changes how the text shows, not when",
            _same_time,
            "`Runner.run` cannot give the first words before the whole answer is done. "
            "The run printed {printed}.",
        ),
        Misconception(
            "a streamed answer also waits for the model to finish",
            _streamed_waits_too,
            "The first text delta comes as soon as the first token is written. "
            "The run printed {printed}.",
        ),
        Misconception(
            "streaming shows text at once",
            _streamed_at_once,
            "Streaming does not remove the model's time to its first token. "
            "The run printed {printed}.",
        ),
        Misconception(
            "Runner.run returns a token's time after the last token",
            _whole_takes_every_token,
            "The answer returns when its last token is written. The run printed {printed}.",
        ),
        Misconception(
            "Runner.run is quicker to the first words",
            _whole_first,
            "Waiting for the whole answer is never quicker to its first words. "
            "The run printed {printed}.",
        ),
    ),
)


# --- max turns and error handlers -----------------------------------------------------------------


def _no_message_for_handler(lines: Sequence[str]) -> Lines | None:
    if "message_output_created" not in lines or "'Gave up.'" not in lines[-1]:
        return None
    return changed(lines, [line for line in lines if line != "message_output_created"])


def _history_flag_drops_output(run: Run) -> Claim | None:
    if run["handler"] != "result":
        return None
    count = run.printed[-1].split()[-1]
    return printed([*run.printed[:-1], f"None {count}"])


def _none_is_an_output(run: Run) -> Claim | None:
    if "MaxTurnsExceeded" not in run.printed or run["handler"] != "declines":
        return None
    lines = [line for line in run.printed if line != "MaxTurnsExceeded"]
    return printed(lines)


def _one_more_turn(run: Run) -> Claim | None:
    if "MaxTurnsExceeded" not in run.printed:
        return None
    index = run.printed.index("MaxTurnsExceeded")
    count = int(run.printed[-1].split()[-1])
    return printed(
        [
            *run.printed[:index],
            "tool_called",
            "tool_output",
            "MaxTurnsExceeded",
            f"None {count + 2}",
        ]
    )


def _handler_runs_without_limit(run: Run) -> Claim | None:
    if run["handler"] == "none" or "MaxTurnsExceeded" in run.printed:
        return None
    if "'Gave up.'" not in run.printed[-1]:
        return None
    return printed(
        [
            *[line for line in run.printed[:-1] if line != "message_output_created"],
            "MaxTurnsExceeded",
            f"None {run.printed[-1].split()[-1]}",
        ]
    )


ERROR_HANDLERS = Family(
    slug="error-handlers",
    number=4,
    category="production",
    level="advanced",
    objective="errors-fallbacks",
    topic="max_turns and error_handlers",
    scenario=scenarios.ERROR_HANDLERS,
    question="What does this program print?",
    explanation="""
`max_turns` counts model calls: when the run needs another one beyond it, it stops with
`MaxTurnsExceeded`, raised from `stream_events()`, and no final output. An `error_handlers`
entry for `"max_turns"` turns that into a normal end: what it returns becomes the final output
(as a message item, unless it returns `RunErrorHandlerResult(..., include_in_history=False)`,
which keeps the output out of the history). A handler that returns None declines, and the error
is raised as before.
""",
    misconceptions=(
        on_lines(
            "a handler's output is not a message",
            _no_message_for_handler,
            "By default the handler's final output is added to the history as the agent's "
            "message, and streamed as one. The run printed {printed}.",
        ),
        Misconception(
            "include_in_history=False drops the final output",
            _history_flag_drops_output,
            "`include_in_history=False` keeps the output out of the history, not out of the "
            "result: it is still the final output. The run printed {printed}.",
        ),
        Misconception(
            "a handler returning None makes None the final output",
            _none_is_an_output,
            "None means the handler declines: the error is raised as if there were no handler. "
            "The run printed {printed}.",
        ),
        Misconception(
            "the run gets one more turn before it stops",
            _one_more_turn,
            "`max_turns` is the number of model calls allowed, no more. The run printed {printed}.",
        ),
        Misconception(
            "a handler still lets the error out",
            _handler_runs_without_limit,
            "A handler that returns an output ends the run normally: nothing is raised. "
            "The run printed {printed}.",
        ),
    ),
    knobs={
        "max_turns": "`max_turns={}`",
        "handler": {
            "none": "no error handler",
            "value": "a handler returning a value",
            "result": "a handler returning `RunErrorHandlerResult(..., include_in_history=False)`",
            "declines": "a handler returning None",
        },
        "polls": "a model that calls the tool {} times",
    },
)


# --- an input guardrail racing the model ----------------------------------------------------------


def _guard_parts(run: Run) -> tuple[bool, str, str] | None:
    last = run.printed[-1] if run.printed else ""
    match = re.match(r"^('.*'|\".*\") (.*)$", last)
    if match is None:
        return None
    return "tripwire" in run.printed, match.group(1), match.group(2)


def _tripwire_stops_everything(run: Run) -> Claim | None:
    parts = _guard_parts(run)
    if parts is None or not parts[0] or parts[1] == "''":
        return None
    return printed(["tripwire", "'' None"])


def _tripwire_erases_answer(run: Run) -> Claim | None:
    parts = _guard_parts(run)
    if parts is None or not parts[0] or parts[2] == "None":
        return None
    return printed(["tripwire", f"{parts[1]} None"])


def _tripwire_ignored_after_text(run: Run) -> Claim | None:
    parts = _guard_parts(run)
    if parts is None or not parts[0] or parts[1] == "''":
        return None
    reply = f"{run.variant.theme['reply']} {run.variant.theme['reply2']}"
    return printed([f"{reply!r} {reply}"])


def _blocking_still_streams(run: Run) -> Claim | None:
    parts = _guard_parts(run)
    if parts is None or run["parallel"] or not parts[0]:
        return None
    reply = f"{run.variant.theme['reply']} {run.variant.theme['reply2']}"
    tokens = tokenize(reply)
    pace = GUARD_PACE
    seen = [t for i, t in enumerate(tokens) if pace.first_token + i * pace.per_token < run["delay"]]
    return printed(["tripwire", f"{''.join(seen)!r} None"])


def _a_pass_blocks(run: Run) -> Claim | None:
    parts = _guard_parts(run)
    if parts is None or parts[0]:
        return None
    return printed(["'' None"])


GUARDRAIL_RACE = Family(
    slug="guardrail-race",
    number=5,
    category="production",
    level="advanced",
    objective="architecture",
    topic="input guardrails running in parallel with the model",
    scenario=scenarios.GUARDRAIL_RACE,
    question="What does this program print?",
    explanation="""
An input guardrail runs by default in parallel with the first model call: the model streams
while the guardrail works, so text can reach the user before the tripwire fires. The tripwire is
raised from `stream_events()` when the guardrail finishes; if the run finished first, its final
output stays set. With `run_in_parallel=False` the guardrail runs before the model is called: a
tripwire means no text at all.
""",
    misconceptions=(
        Misconception(
            "a tripwire means nothing was streamed",
            _tripwire_stops_everything,
            "In parallel, the model streamed until the guardrail finished. "
            "The run printed {printed}.",
        ),
        Misconception(
            "a tripwire erases the final output",
            _tripwire_erases_answer,
            "The run had already finished when the tripwire fired; its final output stays. "
            "The run printed {printed}.",
        ),
        Misconception(
            "a tripwire after the text has streamed is ignored",
            _tripwire_ignored_after_text,
            "The tripwire is raised whenever the guardrail finishes. The run printed {printed}.",
        ),
        Misconception(
            "a blocking guardrail still lets the model stream",
            _blocking_still_streams,
            "With `run_in_parallel=False` the model is only called once the guardrail passes. "
            "The run printed {printed}.",
        ),
        Misconception(
            "a guardrail that passes still holds the text back",
            _a_pass_blocks,
            "A guardrail that passes lets the run finish as usual. The run printed {printed}.",
        ),
    ),
    knobs={
        "delay": "a guardrail taking {} s",
        "parallel": {True: "`run_in_parallel=True`", False: "`run_in_parallel=False`"},
    },
)


# --- falling back to Runner.run -------------------------------------------------------------------


def _fallback_parts(run: Run) -> tuple[str, str, str] | None:
    if len(run.printed) != 3:
        return None
    return run.printed[0], run.printed[1], run.printed[2]


def _ran_times(line: str, times: int) -> str:
    return re.sub(r"ran \d+ times", f"ran {times} times", line)


def _fallback_reuses_tools(run: Run) -> Claim | None:
    parts = _fallback_parts(run)
    if parts is None or not run["tool"]:
        return None
    return printed([parts[0], parts[1], _ran_times(parts[2], 1)])


def _any_error_is_caught(run: Run) -> Claim | None:
    if not run.raised or run["caught"] != "TimeoutError":
        return None
    tokens = tokenize(_reply(run))[: run["after"]]
    ran = 2 if run["tool"] else 0
    act = run.variant.theme["tool3"]
    return printed(
        [f"stream failed after {''.join(tokens)!r}", _reply(run), f"{act} ran {ran} times"]
    )


def _nothing_before_failure(run: Run) -> Claim | None:
    parts = _fallback_parts(run)
    if parts is None or parts[0] == "stream failed after ''":
        return None
    return printed(["stream failed after ''", parts[1], parts[2]])


def _fallback_continues(run: Run) -> Claim | None:
    parts = _fallback_parts(run)
    match = re.match(r"^stream failed after '(.*)'$", parts[0]) if parts else None
    if parts is None or match is None or not match.group(1):
        return None
    rest = _reply(run)[len(match.group(1)) :].lstrip()
    return printed([parts[0], rest, parts[2]])


def _uncaught_is_timeout(run: Run) -> Claim | None:
    if not run.raised:
        return None
    return printed(run.printed, "TimeoutError")


def _no_tool_before_failure(run: Run) -> Claim | None:
    parts = _fallback_parts(run)
    if parts is None or not run["tool"]:
        return None
    return printed([parts[0], parts[1], _ran_times(parts[2], 0)])


FALLBACK = Family(
    slug="fallback",
    number=6,
    category="production",
    level="intermediate",
    objective="errors-fallbacks",
    topic="what a fallback to Runner.run repeats",
    scenario=scenarios.FALLBACK,
    question="What does this program print?",
    explanation="""
A stream that breaks raises from `stream_events()` (a `ModelBehaviorError` when the model's
stream reports a failure, the client's `APIConnectionError` when the connection drops), after
the deltas it did deliver. `except TimeoutError` does not catch those. A fallback to
`Runner.run` runs the whole agent again from the question: the model calls its tools again,
with their side effects, and writes the whole answer again.
""",
    misconceptions=(
        Misconception(
            "a fallback reuses the tools' results",
            _fallback_reuses_tools,
            "`Runner.run` starts again from the question: the tool runs a second time. "
            "The run printed {printed}.",
        ),
        Misconception(
            "except TimeoutError catches a broken stream",
            _any_error_is_caught,
            "A broken stream raises the model's or the client's error, not `TimeoutError`: "
            "nothing catches it. The run printed {printed}, then raised.",
        ),
        Misconception(
            "nothing arrives before a stream fails",
            _nothing_before_failure,
            "The deltas sent before the failure are delivered first. The run printed {printed}.",
        ),
        Misconception(
            "the fallback continues where the stream stopped",
            _fallback_continues,
            "`Runner.run` answers the question again in full. The run printed {printed}.",
        ),
        Misconception(
            "an uncaught stream failure is a TimeoutError",
            _uncaught_is_timeout,
            "The stream raised the model's or the client's error. It raised {raised}.",
        ),
        Misconception(
            "a failed stream never ran its tool",
            _no_tool_before_failure,
            "The tool ran in the first turn, before the answer's stream broke. "
            "The run printed {printed}.",
        ),
    ),
    knobs={
        "after": "a stream breaking after {} text tokens",
        "caught": {"Exception": "`except Exception`", "TimeoutError": "`except TimeoutError`"},
    },
)


# --- several streams at once ----------------------------------------------------------------------


def _finished(run: Run) -> list[str]:
    return [
        line.removeprefix("finished: ") for line in run.printed if line.startswith("finished: ")
    ]


def _argument_order(run: Run) -> list[str]:
    names = [run.variant.theme[key] for key in ("first", "second", "third")]
    return names[: len(run["lengths"])]


def _gather_in_finish_order(run: Run) -> Claim | None:
    if run["how"] != "gather":
        return None
    finished = _finished(run)
    return printed([*run.printed[:-1], repr(finished)])


def _gather_one_by_one(run: Run) -> Claim | None:
    if run["how"] != "gather":
        return None
    order = _argument_order(run)
    return printed([*(f"finished: {name}" for name in order), run.printed[-1]])


def _as_completed_in_order(run: Run) -> Claim | None:
    if run["how"] != "as-completed":
        return None
    lines = []
    for name in _argument_order(run):
        lines += [f"finished: {name}", name]
    return printed(lines)


def _comprehension_is_concurrent(run: Run) -> Claim | None:
    if run["how"] != "sequence":
        return None
    order = sorted(
        _argument_order(run), key=lambda name: run["lengths"][_argument_order(run).index(name)]
    )
    return printed([*(f"finished: {name}" for name in order), run.printed[-1]])


def _as_completed_all_at_end(run: Run) -> Claim | None:
    if run["how"] != "as-completed":
        return None
    finished = _finished(run)
    return printed([*(f"finished: {name}" for name in finished), *finished])


CONCURRENT = Family(
    slug="concurrent",
    number=7,
    category="production",
    level="intermediate",
    objective="concurrent-streams",
    topic="gather, as_completed and awaiting streams one by one",
    scenario=scenarios.CONCURRENT,
    question="What does this program print?",
    explanation="""
`asyncio.gather(...)` runs the streams concurrently: they finish in order of how long they take,
and it returns their results in the order of its arguments. `asyncio.as_completed(...)` hands
each one back as soon as it finishes. Awaiting them one after another in a list runs them one
after another: each starts when the previous is done.
""",
    misconceptions=(
        Misconception(
            "gather returns results in the order they finish",
            _gather_in_finish_order,
            "`gather` keeps the order of its arguments, whichever finishes first. "
            "The run printed {printed}.",
        ),
        Misconception(
            "gather runs them one after another",
            _gather_one_by_one,
            "`gather` runs them at once: the quickest finishes first. The run printed {printed}.",
        ),
        Misconception(
            "as_completed keeps the order given",
            _as_completed_in_order,
            "`as_completed` yields each as it finishes. The run printed {printed}.",
        ),
        Misconception(
            "awaits in a list run concurrently",
            _comprehension_is_concurrent,
            "Each `await` waits for its stream before the next one starts. "
            "The run printed {printed}.",
        ),
        Misconception(
            "as_completed waits for all of them first",
            _as_completed_all_at_end,
            "Each result is handed back as soon as its stream is done. The run printed {printed}.",
        ),
    ),
    knobs={
        "how": {
            "gather": "`asyncio.gather`",
            "sequence": "one `await` after another",
            "as-completed": "`asyncio.as_completed`",
        }
    },
)


# --- a slow consumer ------------------------------------------------------------------------------

SEEN = re.compile(r"^(\d+) deltas seen; (\S+) ran at (\[.*\])$")


def _seen_parts(run: Run) -> tuple[int, str, str] | None:
    match = SEEN.match(run.printed[-1]) if run.printed else None
    if match is None:
        return None
    return int(match.group(1)), match.group(2), match.group(3)


def _seen_line(count: int, act: str, ran: str) -> str:
    return f"{count} deltas seen; {act} ran at {ran}"


def _every_delta_before_error(run: Run) -> Claim | None:
    parts = _seen_parts(run)
    if parts is None or not run.printed[0].startswith("APIConnectionError") or run["fails"] is None:
        return None
    expected = run["fails"] + (run["tokens"] + 1 if run["tool"] else 0)
    if parts[0] == expected:
        return None
    return printed([run.printed[0], _seen_line(expected, parts[1], parts[2])])


def _run_waits_for_consumer(run: Run) -> Claim | None:
    parts = _seen_parts(run)
    if parts is None or not run["tool"] or run["pause"] < 0.5:
        return None
    late = 0.5 + (run["tokens"] + 1) * run["pause"]
    return printed([*run.printed[:-1], _seen_line(parts[0], parts[1], f"[{late:.1f}]")])


def _error_first(run: Run) -> Claim | None:
    parts = _seen_parts(run)
    if parts is None or len(run.printed) != 2 or parts[0] == 0:
        return None
    return printed([run.printed[0], _seen_line(0, parts[1], parts[2])])


def _no_error_seen(run: Run) -> Claim | None:
    parts = _seen_parts(run)
    if parts is None or len(run.printed) != 2:
        return None
    return printed([run.printed[-1]])


SLOW_CONSUMER = Family(
    slug="slow-consumer",
    number=8,
    category="production",
    level="advanced",
    objective="high-concurrency",
    topic="a slow consumer: no backpressure, and what it sees when the model fails",
    scenario=scenarios.SLOW_CONSUMER,
    question="What does this program print?",
    explanation="""
The run does not wait for its consumer: events go into a queue as the model produces them, and
the run carries on (its tools run on time) however slowly the consumer reads. When the model's
stream fails with a connection error, the SDK stops the run and raises the error at the
consumer's next read, so a slow consumer misses the deltas still waiting in the queue.
""",
    misconceptions=(
        Misconception(
            "the consumer gets every delta sent before the failure",
            _every_delta_before_error,
            "The error is raised at the consumer's next read; the deltas still queued are not "
            "delivered. The run printed {printed}.",
        ),
        Misconception(
            "the run waits for its consumer",
            _run_waits_for_consumer,
            "The run does not wait for the consumer: the tool ran when the model called it. "
            "The run printed {printed}.",
        ),
        Misconception(
            "a failing stream raises before any delta",
            _error_first,
            "Deltas read before the failure reached the consumer. The run printed {printed}.",
        ),
        Misconception(
            "a consumer that is behind never sees the error",
            _no_error_seen,
            "The failure is raised from `stream_events()`. The run printed {printed}.",
        ),
    ),
    knobs={"pause": "a consumer pausing {} s on each delta"},
)

FAMILIES = (
    STOP_STATES,
    TIMEOUTS,
    WHEN_TO_STREAM,
    ERROR_HANDLERS,
    GUARDRAIL_RACE,
    FALLBACK,
    CONCURRENT,
    SLOW_CONSUMER,
)
