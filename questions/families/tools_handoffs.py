"""Families of the tools-handoffs category: handoffs, tools that take time, fail, need approval
or end the run, and hooks beside the stream."""

from __future__ import annotations

from collections.abc import Sequence

from lessons.scenarios.library import handoffs as scenarios
from questions.claims import Claim
from questions.families.base import Family, Misconception, Run, on_lines, printed
from questions.families.transforms import (
    Lines,
    apply,
    changed,
    drop,
    drop_first,
    interleave,
    keep_last,
)

AGENT = "agent: "


def _agents(lines: Sequence[str]) -> list[str]:
    return [line.removeprefix(AGENT) for line in lines if line.startswith(AGENT)]


def _updates_only_on_handoffs(lines: Sequence[str]) -> Lines | None:
    first = next((line for line in lines if line.startswith(AGENT)), None)
    return None if first is None else drop_first(lines, first)


def _one_update_per_run(lines: Sequence[str]) -> Lines | None:
    updates = [line for line in lines if line.startswith(AGENT)]
    if len(updates) < 2:
        return None
    return changed(
        lines, [line for line in lines if not line.startswith(AGENT) or line == updates[0]]
    )


def _last_is_first(lines: Sequence[str]) -> Lines | None:
    agents = _agents(lines)
    if not agents or not lines[-1].startswith("last: "):
        return None
    return changed(lines, [*lines[:-1], f"last: {agents[0]}"])


def _messages_by_starter(lines: Sequence[str]) -> Lines | None:
    agents = _agents(lines)
    if not agents:
        return None
    return changed(
        lines,
        [f"message by {agents[0]}" if line.startswith("message by ") else line for line in lines],
    )


def _update_with_first_message(lines: Sequence[str]) -> Lines | None:
    """The starting agent announced only when it first says something."""
    message = next((i for i, line in enumerate(lines) if line.startswith("message by ")), None)
    if message is None or not lines or not lines[0].startswith(AGENT):
        return None
    return changed(lines, [*lines[1 : message + 1], lines[0], *lines[message + 1 :]])


def _items_have_no_agent(run: Run) -> Claim | None:
    """Only agent updates say who runs: `event.item.agent` does not exist."""
    first_message = next(
        (i for i, line in enumerate(run.printed) if line.startswith("message by ")), None
    )
    if first_message is None:
        return None
    return printed(run.printed[:first_message], "AttributeError")


def _one_message(lines: Sequence[str]) -> Lines | None:
    messages = [index for index, line in enumerate(lines) if line.startswith("message by ")]
    if len(messages) < 2:
        return None
    return changed(lines, [line for i, line in enumerate(lines) if i not in messages[:-1]])


def _update_before_handoff(lines: Sequence[str]) -> Lines | None:
    """The new agent announced as soon as the handoff is asked for."""
    result = list(lines)
    for index, line in enumerate(result):
        if line == "handoff_requested":
            following = next(
                (i for i in range(index + 1, len(result)) if result[i].startswith(AGENT)), None
            )
            if following is not None:
                result.insert(index, result.pop(following))
                break
    return changed(lines, result)


WHO_SPEAKS = Family(
    slug="who-speaks",
    number=1,
    category="tools-handoffs",
    level="beginner",
    objective="event-types",
    topic="agent updates and who wrote each message",
    scenario=scenarios.WHO_SPEAKS,
    question="What does this program print?",
    explanation="""
`agent_updated_stream_event` opens every run with the starting agent, and comes again each time
a handoff makes another agent the current one. Each run item knows its agent: a message item's
`agent` is the agent that wrote it, so a triage agent's words before a handoff are its own.
`result.last_agent` is the agent that gave the final answer.
""",
    misconceptions=(
        on_lines(
            "agent updates come only with handoffs",
            _updates_only_on_handoffs,
            "The run's first event is an agent update naming the starting agent, handoff or "
            "not. The run printed {printed}.",
        ),
        on_lines(
            "one agent update per run",
            _one_update_per_run,
            "Every handoff makes a new current agent, and each one is announced. "
            "The run printed {printed}.",
        ),
        on_lines(
            "the last agent is the one the run started with",
            _last_is_first,
            "`last_agent` is the agent that answered, after every handoff. "
            "The run printed {printed}.",
        ),
        on_lines(
            "messages belong to the starting agent",
            _messages_by_starter,
            "A message item's `agent` is the agent that wrote it. The run printed {printed}.",
        ),
        on_lines(
            "one message per run",
            _one_message,
            "Every message is an item with its author: a preamble and the answer too. "
            "The run printed {printed}.",
        ),
        on_lines(
            "an agent is announced when it first speaks",
            _update_with_first_message,
            "The agent update comes as the agent starts, before anything it says. "
            "The run printed {printed}.",
        ),
        Misconception(
            "run items do not know their agent",
            _items_have_no_agent,
            "Every run item has an `agent`: the agent that produced it. The run printed {printed}.",
        ),
    ),
)

HANDOFF_EVENTS = Family(
    slug="handoff-events",
    number=2,
    category="tools-handoffs",
    level="beginner",
    objective="tool-events",
    topic="the events of a handoff, in order",
    scenario=scenarios.HANDOFF_EVENTS,
    question="What does this program print?",
    explanation="""
A handoff is a tool call the model makes: the stream shows `handoff_requested` (the call) and
`handoff_occured` (its result, the transfer), and only then an `agent_updated_stream_event`
naming the new agent, which takes over: its own preamble, tool calls and answer follow. A triage
agent's words before the handoff are a message of their own.
""",
    misconceptions=(
        on_lines(
            "the new agent is announced when the handoff is asked for",
            _update_before_handoff,
            "The agent changes once the handoff has happened: `handoff_requested`, "
            "`handoff_occured`, then the agent update. The run printed {printed}.",
        ),
        on_lines(
            "agent updates come only with handoffs",
            _updates_only_on_handoffs,
            "The run opens with an agent update for the starting agent. The run printed {printed}.",
        ),
        on_lines(
            "a handoff is one event",
            apply(drop, "handoff_requested"),
            "A handoff shows twice: asked for (`handoff_requested`) and done (`handoff_occured`). "
            "The run printed {printed}.",
        ),
        on_lines(
            "one agent update per run",
            _one_update_per_run,
            "Each agent that takes over is announced. The run printed {printed}.",
        ),
        on_lines(
            "each output follows its call at once",
            apply(interleave, "tool_called", "tool_output"),
            "The calls of one response are all made before their outputs come back. "
            "The run printed {printed}.",
        ),
        on_lines(
            "one message per run",
            apply(keep_last, "message_output_created"),
            "Every message is an item: the triage agent's words, a preamble, the answer. "
            "The run printed {printed}.",
        ),
    ),
)


def _timing_lines(run: Run, times: Sequence[float], order: Sequence[int]) -> list[str]:
    """Output lines at `times` (per tool, call order) printed in `order`, then "done"."""
    names = [line.split(" ", 1)[1] for line in run.printed[:-1]]
    lines = [f"{times[index]:.1f} {names[index]}" for index in order]
    return [*lines, f"{max(times):.1f} done"]


def _durations(run: Run) -> list[float]:
    return [float(seconds) for seconds in run["durations"]]


def _as_each_finishes(run: Run) -> Claim | None:
    durations = _durations(run)
    order = sorted(range(len(durations)), key=lambda index: durations[index])
    if run["together"]:
        return printed(_timing_lines(run, durations, order))
    return None


def _one_after_another(run: Run) -> Claim | None:
    if not run["together"]:
        return None
    durations = _durations(run)
    ends = [sum(durations[: index + 1]) for index in range(len(durations))]
    return printed(_timing_lines(run, ends, range(len(durations))))


def _apart_still_together(run: Run) -> Claim | None:
    if run["together"]:
        return None
    durations = _durations(run)
    return printed(_timing_lines(run, [max(durations)] * len(durations), range(len(durations))))


def _finish_order_at_the_end(run: Run) -> Claim | None:
    durations = _durations(run)
    order = sorted(range(len(durations)), key=lambda index: durations[index])
    if not run["together"] or list(order) == list(range(len(durations))):
        return None
    return printed(_timing_lines(run, [max(durations)] * len(durations), order))


def _apart_each_own_time(run: Run) -> Claim | None:
    if run["together"]:
        return None
    durations = _durations(run)
    return printed(_timing_lines(run, durations, range(len(durations))))


def _output_when_started(run: Run) -> Claim | None:
    """tool_output announced as the tool starts."""
    durations = _durations(run)
    if run["together"]:
        lines = _timing_lines(run, [0.0] * len(durations), range(len(durations)))[:-1]
        return printed([*lines, f"{max(durations):.1f} done"])
    starts = [sum(durations[:index]) for index in range(len(durations))]
    lines = _timing_lines(run, starts, range(len(durations)))[:-1]
    return printed([*lines, f"{sum(durations):.1f} done"])


TOOL_TIMING = Family(
    slug="tool-timing",
    number=3,
    category="tools-handoffs",
    level="intermediate",
    objective="tool-events",
    topic="parallel tool calls and their timing",
    scenario=scenarios.TOOL_TIMING,
    question="What does this program print? (The model takes no time; only the tools do.)",
    explanation="""
The calls of one model response run together (the SDK starts every function tool of the
response and waits for all of them), and their `tool_output` events come when the last one has
finished, in the order the calls were made. Calls made in separate responses run one after
another, each after the model has seen the previous output.
""",
    misconceptions=(
        Misconception(
            "each output arrives as its tool finishes",
            _as_each_finishes,
            "The outputs of one response's calls come together, once the slowest is done, in "
            "call order. The run printed {printed}.",
        ),
        Misconception(
            "tools of one response run one after another",
            _one_after_another,
            "The calls of one response run concurrently: the wait is the slowest, not the sum. "
            "The run printed {printed}.",
        ),
        Misconception(
            "outputs come in the order the tools finish",
            _finish_order_at_the_end,
            "The outputs keep the order of the calls, whichever finished first. "
            "The run printed {printed}.",
        ),
        Misconception(
            "tools called in separate responses still run together",
            _apart_still_together,
            "A call in a later response is only made once the model has seen the earlier "
            "output: the tools run one after another. The run printed {printed}.",
        ),
        Misconception(
            "a tool's output is announced when it starts",
            _output_when_started,
            "`tool_output` is emitted once the tool has returned (with the others of its "
            "response). The run printed {printed}.",
        ),
        Misconception(
            "each tool's output comes at its own duration",
            _apart_each_own_time,
            "One call per response: each tool starts when the previous one is done, so the "
            "times add up. The run printed {printed}.",
        ),
    ),
    knobs={"together": {True: "every call in one response", False: "one call per response"}},
)

DEFAULT_ERROR = "An error occurred while running the tool. Please try again."


def _failing_output(run: Run) -> int | None:
    """The index of the failing tool's output line."""
    return next(
        (
            index
            for index, line in enumerate(run.printed)
            if line == f"output: {DEFAULT_ERROR}" or line.startswith("output: failed: ")
        ),
        None,
    )


def _exception_stops_the_run(run: Run) -> Claim | None:
    index = _failing_output(run)
    if index is None:
        return None
    return printed([*run.printed[:index], "raised ValueError", "final: None"])


def _raised_as_it_is(run: Run) -> Claim | None:
    if "raised UserError" not in run.printed:
        return None
    return printed(
        ["raised ValueError" if line == "raised UserError" else line for line in run.printed]
    )


def _message_as_output(run: Run) -> Claim | None:
    message = f"output: {run.variant.theme['value']} is unavailable"
    if "raised UserError" in run.printed:
        index = run.printed.index("raised UserError")
        reply = run.variant.theme["reply"]
        return printed([*run.printed[:index], message, "message_output_created", f"final: {reply}"])
    failing = _failing_output(run)
    if failing is None or run.printed[failing] != f"output: {DEFAULT_ERROR}":
        return None
    return printed([*run.printed[:failing], message, *run.printed[failing + 1 :]])


def _other_outputs_lost(run: Run) -> Claim | None:
    other = f"output: {run.variant.theme['out2']}"
    return (
        None
        if other not in run.printed
        else printed([line for line in run.printed if line != other])
    )


def _no_call_event_for_a_failing_tool(run: Run) -> Claim | None:
    lines = drop_first(run.printed, "tool_called")
    return None if lines is None else printed(lines)


TOOL_ERRORS = Family(
    slug="tool-errors",
    number=4,
    category="tools-handoffs",
    level="intermediate",
    objective="errors-fallbacks",
    topic="a tool that raises, with and without a failure function",
    scenario=scenarios.TOOL_ERRORS,
    question="What does this program print?",
    explanation="""
By default a function tool that raises does not fail the run: the SDK turns the exception into
the tool's output (a generic error message, or what `failure_error_function` returns) and the
model carries on. With `failure_error_function=None` the exception is not caught: the run fails,
the stream raises `UserError` (wrapping the tool's error), and `final_output` stays None. Other
tools of the same response still return their outputs first.
""",
    misconceptions=(
        Misconception(
            "a tool's exception stops the run",
            _exception_stops_the_run,
            "With a failure function (the default one, or yours) the exception becomes the "
            "tool's output and the model carries on. The run printed {printed}.",
        ),
        Misconception(
            "the tool's own exception comes out of the stream",
            _raised_as_it_is,
            "Without a failure function the SDK raises `UserError`, with the tool's error in "
            "its message. The run printed {printed}.",
        ),
        Misconception(
            "the exception's message becomes the output",
            _message_as_output,
            "The default failure function gives the model a generic message, not the "
            "exception's; without one there is no output at all. The run printed {printed}.",
        ),
        Misconception(
            "other tools' outputs are lost",
            _other_outputs_lost,
            "The other call of the same response completes and its output is kept. "
            "The run printed {printed}.",
        ),
        Misconception(
            "a failing call is not announced",
            _no_call_event_for_a_failing_tool,
            "The call is announced (`tool_called`) before the tool runs, whatever it then does. "
            "The run printed {printed}.",
        ),
    ),
    knobs={
        "handler": {
            "default": "the default failure function",
            "none": "`failure_error_function=None`",
            "custom": "a failure function of its own",
        }
    },
)


def _lead_and_expert(run: Run) -> tuple[str, str]:
    return run.variant.theme["triage"], run.variant.theme["first"]


def _as_tool_announced(run: Run) -> Claim | None:
    lead, expert = _lead_and_expert(run)
    call = f"tool_called by {lead}"
    if run["kind"] != "as-tool" or call not in run.printed:
        return None
    index = run.printed.index(call)
    return printed([*run.printed[: index + 1], f"agent: {expert}", *run.printed[index + 1 :]])


def _last_is_the_worker(run: Run) -> Claim | None:
    lead, expert = _lead_and_expert(run)
    if run["kind"] != "as-tool":
        return None
    return printed([f"last: {expert}" if line == f"last: {lead}" else line for line in run.printed])


def _inner_events_stream(run: Run) -> Claim | None:
    lead, expert = _lead_and_expert(run)
    output = f"tool_output by {lead}"
    if run["kind"] != "as-tool" or output not in run.printed:
        return None
    index = run.printed.index(output)
    inner = [f"message_output_created by {expert}"]
    if run["expert_tool"]:
        inner = [f"tool_called by {expert}", f"tool_output by {expert}", *inner]
    return printed([*run.printed[:index], *inner, *run.printed[index:]])


def _handoff_items_belong_to_the_new_agent(run: Run) -> Claim | None:
    lead, expert = _lead_and_expert(run)
    line = f"handoff_occured by {lead}"
    if line not in run.printed:
        return None
    return printed(
        [f"handoff_occured by {expert}" if item == line else item for item in run.printed]
    )


def _lead_stays_last(run: Run) -> Claim | None:
    lead, expert = _lead_and_expert(run)
    if run["kind"] != "handoff":
        return None
    return printed([f"last: {lead}" if line == f"last: {expert}" else line for line in run.printed])


AS_TOOL = Family(
    slug="as-tool",
    number=5,
    category="tools-handoffs",
    level="intermediate",
    objective="architecture",
    topic="a handoff versus an agent used as a tool",
    scenario=scenarios.AS_TOOL,
    question="What does this program print?",
    explanation="""
A handoff passes the conversation on: the specialist becomes the current agent (an agent update
announces it), its own items stream, and it gives the final answer, so it is the last agent.
`agent.as_tool()` keeps the lead in charge: the specialist runs inside a tool call, the outer
stream shows only that call and its output, and the lead answers with what it learned.
""",
    misconceptions=(
        Misconception(
            "an agent used as a tool is announced like a handoff",
            _as_tool_announced,
            "An agent called as a tool runs inside the tool call; the current agent does not "
            "change, so there is no agent update. The run printed {printed}.",
        ),
        Misconception(
            "the last agent is the one that did the work",
            _last_is_the_worker,
            "With `as_tool()` the lead gives the final answer, so it is the last agent. "
            "The run printed {printed}.",
        ),
        Misconception(
            "the inner agent's events stream through",
            _inner_events_stream,
            "The outer stream shows the tool call and its output, not the inner run's items. "
            "The run printed {printed}.",
        ),
        Misconception(
            "the handoff's items belong to the new agent",
            _handoff_items_belong_to_the_new_agent,
            "Both handoff items are the lead's: it asked for the handoff. "
            "The run printed {printed}.",
        ),
        Misconception(
            "after a handoff the lead is still the last agent",
            _lead_stays_last,
            "After a handoff the specialist answers, so it is the last agent. "
            "The run printed {printed}.",
        ),
        on_lines(
            "agent updates come only with handoffs",
            _updates_only_on_handoffs,
            "The run opens with an agent update for the starting agent. The run printed {printed}.",
        ),
    ),
    knobs={"kind": {"handoff": "a handoff", "as-tool": "`as_tool()`"}},
)


def _guarded(run: Run) -> str:
    return f"running {run.variant.theme['tool3']}"


def _paused_at(run: Run) -> int | None:
    return next((i for i, line in enumerate(run.printed) if line == "paused: 1 None"), None)


def _runs_before_approval(run: Run) -> Claim | None:
    index = _paused_at(run)
    if index is None:
        return None
    lines = [line for line in run.printed if line != _guarded(run)]
    return printed([*lines[:index], _guarded(run), *lines[index:]])


def _reject_ends_the_run(run: Run) -> Claim | None:
    index = _paused_at(run)
    if index is None or run["decision"] != "reject":
        return None
    return printed([*run.printed[: index + 1], "final: None"])


def _resume_replays_the_call(run: Run) -> Claim | None:
    index = _paused_at(run)
    if index is None:
        return None
    return printed([*run.printed[: index + 1], "tool_called", *run.printed[index + 1 :]])


def _approval_lasts(run: Run) -> Claim | None:
    index = _paused_at(run)
    if index is None or run.printed[-1] != "final: None" or run["decision"] != "approve":
        return None
    reply = run.variant.theme["reply"]
    rest = [*run.printed[index + 1 : -1], _guarded(run), "tool_output", "message_output_created"]
    return printed([*run.printed[: index + 1], *rest, f"final: {reply}"])


def _rejected_still_runs(run: Run) -> Claim | None:
    index = _paused_at(run)
    if index is None or run["decision"] != "reject":
        return None
    return printed([*run.printed[: index + 1], _guarded(run), *run.printed[index + 1 :]])


def _any_callable_pauses(run: Run) -> Claim | None:
    if run["policy"] != "for-db" or _paused_at(run) is not None:
        return None
    lines = [
        line for line in run.printed if line != _guarded(run) and not line.startswith("paused")
    ]
    reply = run.variant.theme["reply"]
    calls = [line for line in lines if line == "tool_called"]
    return printed(
        [*calls, "paused: 1 None", _guarded(run), *lines[len(calls) :], f"final: {reply}"]
    )


def _pause_has_final_output(run: Run) -> Claim | None:
    index = _paused_at(run)
    if index is None:
        return None
    reply = run.variant.theme["reply"]
    return printed([*run.printed[:index], f"paused: 1 {reply}", *run.printed[index + 1 :]])


def _interruptions_not_listed(run: Run) -> Claim | None:
    index = _paused_at(run)
    if index is None:
        return None
    return printed([*run.printed[:index], "paused: 0 None"])


def _no_final_before_resume(run: Run) -> Claim | None:
    last = run.printed[-1] if run.printed else ""
    if not last.startswith("paused: 0 ") or last == "paused: 0 None":
        return None
    return printed([*run.printed[:-1], "paused: 0 None"])


def _guarded_call_skipped(run: Run) -> Claim | None:
    if _paused_at(run) is not None or _guarded(run) not in run.printed:
        return None
    lines = list(run.printed)
    index = lines.index(_guarded(run))
    del lines[index : index + 2]  # the tool's print and its output
    return printed(lines)


APPROVALS = Family(
    slug="approvals",
    number=6,
    category="tools-handoffs",
    level="advanced",
    objective="tool-events",
    topic="needs_approval interruptions in a streamed run",
    scenario=scenarios.APPROVALS,
    question="What does this program print?",
    explanation="""
A call to a tool with `needs_approval` (True, or a function that says yes for these arguments)
interrupts the run: the stream shows the call, then ends with the call in `result.interruptions`
and no final output; the tool has not run. `result.to_state()`, `state.approve(...)` or
`state.reject(...)`, and `Runner.run_streamed(agent, state)` resume it: an approved tool runs, a
rejected one gets a refusal as its output, and the model carries on. An approval covers that
call only: the next call to the tool asks again.
""",
    misconceptions=(
        Misconception(
            "the tool runs before it is approved",
            _runs_before_approval,
            "The run pauses before calling the tool: it runs (if at all) after approval, in the "
            "resumed run. The run printed {printed}.",
        ),
        Misconception(
            "a rejection ends the run",
            _reject_ends_the_run,
            "A rejected call gets a refusal as its output, and the model carries on. "
            "The run printed {printed}.",
        ),
        Misconception(
            "resuming announces the call again",
            _resume_replays_the_call,
            "The resumed run goes on from the pending call: it is not announced twice. "
            "The run printed {printed}.",
        ),
        Misconception(
            "an approval lasts for the rest of the run",
            _approval_lasts,
            "Each call asks for approval; the second call pauses the resumed run again. "
            "The run printed {printed}.",
        ),
        Misconception(
            "a rejected tool runs anyway",
            _rejected_still_runs,
            "A rejected tool is not called: its output is the refusal. The run printed {printed}.",
        ),
        Misconception(
            "a paused run already has its final output",
            _pause_has_final_output,
            "A paused run has not finished: `final_output` is None until a resumed run ends. "
            "The run printed {printed}.",
        ),
        Misconception(
            "the pause is not listed on the result",
            _interruptions_not_listed,
            "The pending call is in `result.interruptions`, which is how the program knows to "
            "resume. The run printed {printed}.",
        ),
        Misconception(
            "a run with an approval function has no final output",
            _no_final_before_resume,
            "Nothing needed approval here, so the run finished with its answer. "
            "The run printed {printed}.",
        ),
        Misconception(
            "a tool with an approval policy is skipped when it need not ask",
            _guarded_call_skipped,
            "The policy said no approval was needed, so the tool ran as any other. "
            "The run printed {printed}.",
        ),
        Misconception(
            "any approval function pauses the run",
            _any_callable_pauses,
            "The function decides per call; for these arguments it says no approval is needed, "
            "so nothing pauses. The run printed {printed}.",
        ),
    ),
    knobs={"decision": {"approve": "`state.approve(...)`", "reject": "`state.reject(...)`"}},
)


def _final(run: Run) -> str:
    return run.printed[-1]


def _model_answers_anyway(run: Run) -> Claim | None:
    if run["behaviour"] == "default":
        return None
    reply = repr(run.variant.theme["reply"])
    return printed([*run.printed[:-1], "message_output_created", reply])


def _none_when_a_tool_ends_it(run: Run) -> Claim | None:
    if run["behaviour"] == "default":
        return None
    return printed([*run.printed[:-1], "None"])


def _stop_at_first_anyway(run: Run) -> Claim | None:
    if run["behaviour"] not in ("at2",):
        return None
    first = run.printed.index("tool_output")
    outputs = [i for i, line in enumerate(run.printed) if line == "tool_output"]
    end = max(
        i for i in outputs if all(run.printed[j] == "tool_output" for j in range(first, i + 1))
    )
    return printed([*run.printed[: end + 1], repr(run.variant.theme["out1"])])


def _last_tool_is_the_output(run: Run) -> Claim | None:
    if run["behaviour"] != "default":
        return None
    used = sum(int(part) for part in run["pattern"].split("+"))
    last = repr(run.variant.theme[f"out{used}"])
    return printed([*[line for line in run.printed[:-1] if line != "message_output_created"], last])


def _stops_before_the_tool_runs(run: Run) -> Claim | None:
    if run["behaviour"] == "default":
        return None
    return printed([*[line for line in run.printed[:-1] if line != "tool_output"], _final(run)])


def _stop_on_first_by_default(run: Run) -> Claim | None:
    if run["behaviour"] != "default":
        return None
    first = run.printed.index("tool_output")
    end = first
    while end + 1 < len(run.printed) and run.printed[end + 1] == "tool_output":
        end += 1
    return printed([*run.printed[: end + 1], repr(run.variant.theme["out1"])])


def _outputs_are_messages(lines: Sequence[str]) -> Lines | None:
    result: list[str] = []
    for index, line in enumerate(lines):
        result.append(line)
        following = lines[index + 1] if index + 1 < len(lines) else ""
        if line == "tool_output" and following != "tool_output":
            result.append("message_output_created")
    return changed(lines, result)


TOOL_USE = Family(
    slug="tool-use",
    number=7,
    category="tools-handoffs",
    level="advanced",
    objective="custom-processors",
    topic="tool_use_behavior: what ends the run",
    scenario=scenarios.TOOL_USE,
    question="What does this program print?",
    explanation="""
By default (`run_llm_again`) tool outputs go back to the model, which answers: the final output
is its message. `tool_use_behavior="stop_on_first_tool"` makes the first tool output of a
response the final output: the model is not asked again, and there is no final message.
`StopAtTools(stop_at_tool_names=[...])` does the same only when one of those tools is called;
other calls go back to the model as usual.
""",
    misconceptions=(
        Misconception(
            "the model still answers after the tool",
            _model_answers_anyway,
            "When a tool's output is the final output the model is not called again: no final "
            "message. The run printed {printed}.",
        ),
        Misconception(
            "a run ended by a tool has no final output",
            _none_when_a_tool_ends_it,
            "The tool's output is the final output. The run printed {printed}.",
        ),
        Misconception(
            "StopAtTools stops at the first tool anyway",
            _stop_at_first_anyway,
            "`StopAtTools` stops only at the tools it names; the others go back to the model. "
            "The run printed {printed}.",
        ),
        Misconception(
            "the last tool's output is the final output",
            _last_tool_is_the_output,
            "By default the model answers after its tools: its message is the final output. "
            "The run printed {printed}.",
        ),
        on_lines(
            "a tool's output is a message",
            _outputs_are_messages,
            "A tool's result is a `tool_output` item; messages are what the model writes. "
            "The run printed {printed}.",
        ),
        Misconception(
            "a tool's output ends the run by default",
            _stop_on_first_by_default,
            "By default (`run_llm_again`) the outputs go back to the model, which answers. "
            "The run printed {printed}.",
        ),
        Misconception(
            "the run stops before the tool runs",
            _stops_before_the_tool_runs,
            "The tool runs (its output is the final output), so `tool_output` is emitted. "
            "The run printed {printed}.",
        ),
    ),
    knobs={
        "behaviour": {
            "default": "the default `tool_use_behavior`",
            "first": '`tool_use_behavior="stop_on_first_tool"`',
            "at1": "`StopAtTools` naming the first tool",
            "at2": "`StopAtTools` naming the second tool",
        }
    },
)

HOOK_START, HOOK_END, HOOK_HANDOFF = "hook: start ", "hook: end ", "hook: handoff to "
EVENT_AGENT = "event: agent "


def _end_for_every_agent(lines: Sequence[str]) -> Lines | None:
    result: list[str] = []
    current = ""
    for line in lines:
        if line.startswith(HOOK_HANDOFF) and current:
            result.append(HOOK_END + current)
        if line.startswith(HOOK_START):
            current = line.removeprefix(HOOK_START)
        result.append(line)
    return changed(lines, result)


def _hooks_before_events(lines: Sequence[str]) -> Lines | None:
    result = list(lines)
    for index in range(len(result) - 1):
        first, second = result[index], result[index + 1]
        if first.startswith(EVENT_AGENT) and second == HOOK_START + first.removeprefix(EVENT_AGENT):
            result[index], result[index + 1] = second, first
    return changed(lines, result)


def _one_start_per_run(lines: Sequence[str]) -> Lines | None:
    starts = [line for line in lines if line.startswith(HOOK_START)]
    if len(starts) < 2:
        return None
    return changed(
        lines, [line for line in lines if not line.startswith(HOOK_START) or line == starts[0]]
    )


def _handoff_after_start(lines: Sequence[str]) -> Lines | None:
    result = list(lines)
    for line in lines:
        if line.startswith(HOOK_HANDOFF):
            target = HOOK_START + line.removeprefix(HOOK_HANDOFF)
            if target in result:
                result.remove(line)
                result.insert(result.index(target) + 1, line)
    return changed(lines, result)


def _no_end_hook(lines: Sequence[str]) -> Lines | None:
    return changed(lines, [line for line in lines if not line.startswith(HOOK_END)])


def _one_tool_hook_per_response(lines: Sequence[str]) -> Lines | None:
    result: list[str] = []
    for line in lines:
        if line.startswith("hook: tool ") and result and result[-1].startswith("hook: tool "):
            continue
        result.append(line)
    return changed(lines, result)


def _start_per_turn(run: Run) -> Claim | None:
    """on_agent_start for every model call of the agent."""
    lines: list[str] = []
    for line in run.printed:
        if line.startswith("hook: tool ") and lines and not lines[-1].startswith("hook: tool "):
            current = next(
                (x.removeprefix(HOOK_START) for x in reversed(lines) if x.startswith(HOOK_START)),
                None,
            )
            if current is not None:
                lines.append(HOOK_START + current)
        lines.append(line)
    return None if tuple(lines) == run.printed else printed(lines)


HOOKS = Family(
    slug="hooks",
    number=8,
    category="tools-handoffs",
    level="advanced",
    objective="observability",
    topic="RunHooks beside the event stream",
    scenario=scenarios.HOOKS,
    question="What does this program print?",
    explanation="""
RunHooks are called by the run itself, in the run's task, while the consumer reads events from a
queue in its own task; a line printed by a hook and one printed by the consumer come in the order
those tasks get to them. Here each agent update is read before that agent's `on_agent_start`
runs, `on_handoff` comes before the new agent is announced, `on_tool_start` fires for each tool
as it starts, and `on_agent_end` only for the agent whose answer ends the run: an agent that
hands off does not end.
""",
    misconceptions=(
        on_lines(
            "every agent's end is hooked",
            _end_for_every_agent,
            "`on_agent_end` is called with the final output, by the agent that produced it; an "
            "agent that hands off never ends. The run printed {printed}.",
        ),
        on_lines(
            "hooks run before the stream announces the agent",
            _hooks_before_events,
            "The agent update is queued first, and the consumer reads it before the run calls "
            "`on_agent_start`. The run printed {printed}.",
        ),
        on_lines(
            "on_agent_start is called once per run",
            _one_start_per_run,
            "Every agent that takes over starts, and its start is hooked. "
            "The run printed {printed}.",
        ),
        on_lines(
            "on_handoff comes after the new agent starts",
            _handoff_after_start,
            "The handoff is hooked as it is processed, before the new agent runs. "
            "The run printed {printed}.",
        ),
        on_lines(
            "a response's tools are hooked once",
            _one_tool_hook_per_response,
            "`on_tool_start` is called for each tool that starts. The run printed {printed}.",
        ),
        Misconception(
            "on_agent_start is called for every model call",
            _start_per_turn,
            "An agent starts once, when it becomes the current agent; its later turns do not "
            "start it again. The run printed {printed}.",
        ),
        on_lines(
            "on_agent_end is not called in a streamed run",
            _no_end_hook,
            "Streamed or not, the agent that gives the final output ends, and the hook says so. "
            "The run printed {printed}.",
        ),
    ),
    knobs={
        "pattern": {
            "1": "one tool call",
            "2": "two calls in one response",
            "1+1": "one call in each of two responses",
        }
    },
)

FAMILIES = (
    WHO_SPEAKS,
    HANDOFF_EVENTS,
    TOOL_TIMING,
    TOOL_ERRORS,
    AS_TOOL,
    APPROVALS,
    TOOL_USE,
    HOOKS,
)
