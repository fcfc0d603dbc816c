"""A scenario's program: the code a learner reads, run exactly as shown, and what it did.

The code is the body of an async function. It runs with the names a learner's file would
import (`Agent`, `Runner`, `function_tool`, `asyncio`, `ResponseTextDeltaEvent`, ...), `model`
(the scenario's offline model) and a `print` that records what it prints. Nothing else is
added: what the page and the question show is what runs.

`Runner` here is the SDK's `Runner` with one addition: the result of `run_streamed` records
every event its `stream_events()` yields, for the event log and the outcome. The events are the
SDK's own, passed on unchanged, to the same consumer, in the same task.

Pure: no Django imports.
"""

from __future__ import annotations

import asyncio
import json
import textwrap
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Mapping
from contextlib import aclosing
from contextvars import ContextVar
from dataclasses import dataclass
from types import CodeType
from typing import Any, Literal, cast

import agents
import openai.types.responses as responses
from agents import Model, RunResultStreaming, set_tracing_disabled
from agents.stream_events import StreamEvent

from lessons.offline import Pacing
from lessons.scenarios.clock import run_on_virtual_clock
from lessons.scenarios.models import ScriptedModel, scripted_chat_model
from lessons.scenarios.script import Script

ModelKind = Literal["offline", "chat-completions"]
NO_PACING = Pacing(0, 0)
# Virtual seconds a derivation may take before it is cut short (a scenario's bug, not its fact).
VIRTUAL_LIMIT = 600.0
EXCEPTION_LIMIT = 160

# The names a program may use without defining them, as a learner's imports would give them.
_AGENT_NAMES = (
    "Agent",
    "AgentUpdatedStreamEvent",
    "GuardrailFunctionOutput",
    "InputGuardrailTripwireTriggered",
    "ItemHelpers",
    "MaxTurnsExceeded",
    "MessageOutputItem",
    "ModelBehaviorError",
    "ModelSettings",
    "OutputGuardrailTripwireTriggered",
    "RawResponsesStreamEvent",
    "RunConfig",
    "RunErrorHandlerResult",
    "RunHooks",
    "RunItemStreamEvent",
    "StopAtTools",
    "ToolCallItem",
    "ToolCallOutputItem",
    "UserError",
    "function_tool",
    "handoff",
    "input_guardrail",
    "output_guardrail",
)
_RESPONSE_NAMES = (
    "ResponseCompletedEvent",
    "ResponseContentPartAddedEvent",
    "ResponseCreatedEvent",
    "ResponseFunctionCallArgumentsDeltaEvent",
    "ResponseOutputItemAddedEvent",
    "ResponseOutputItemDoneEvent",
    "ResponseTextDeltaEvent",
)


@dataclass(frozen=True)
class Program:
    """One variant of a scenario: the code, what its model does, and at what pace.

    `pacing`: None when the outcome does not depend on time (derived with no pacing at all, run
    in the page at the configured pace); otherwise the pace the outcome was derived at, on the
    virtual clock, and the page runs at that same pace.
    """

    code: str
    script: Script
    premise: str
    model: ModelKind = "offline"
    pacing: Pacing | None = None
    input: str = ""
    agents: tuple[str, ...] = ()

    @property
    def timed(self) -> bool:
        return self.pacing is not None


@dataclass(frozen=True)
class Outcome:
    """What a program did: the lines it printed, the exception it raised, the events it saw."""

    printed: tuple[str, ...]
    raised: str = ""  # "TypeName: message", or "" when it returned
    events: tuple[str, ...] = ()

    @property
    def raised_type(self) -> str:
        return self.raised.split(":", 1)[0]

    def summary(self) -> str:
        """One or two lines for a report: what it printed, then what it raised."""
        shown = " | ".join(self.printed) if self.printed else "(nothing)"
        line = f"printed: {shown}"
        return f"{line}\nraised: {self.raised}" if self.raised else line

    def as_json(self) -> str:
        return json.dumps({"printed": self.printed, "raised": self.raised}, ensure_ascii=False)


# --- recording ----------------------------------------------------------------------------------


def event_label(event: StreamEvent) -> str:
    """A short label for one stream event: the raw event's type, the item event's name, or the
    agent an agent update names."""
    if event.type == "raw_response_event":
        return event.data.type
    if event.type == "run_item_stream_event":
        return event.name
    return f"agent_updated_stream_event:{event.new_agent.name}"


class Recorder:
    """What one program printed and the stream events it was given, optionally passed on live."""

    def __init__(
        self,
        *,
        on_print: Callable[[str], None] | None = None,
        on_event: Callable[[StreamEvent], None] | None = None,
    ) -> None:
        self.text: list[str] = []
        self.events: list[str] = []
        self.results: list[RunResultStreaming] = []
        self.on_print = on_print
        self.on_event = on_event

    def print(
        self, *values: object, sep: str | None = " ", end: str | None = "\n", **_: Any
    ) -> None:
        text = (" " if sep is None else sep).join(str(value) for value in values)
        text += "\n" if end is None else end
        self.text.append(text)
        if self.on_print is not None:
            self.on_print(text)

    @property
    def printed(self) -> tuple[str, ...]:
        text = "".join(self.text)
        lines = text.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        return tuple(lines)

    def watch(self, result: RunResultStreaming) -> None:
        """Record what `result.stream_events()` yields, passing every event on unchanged."""
        self.results.append(result)
        original = result.stream_events

        async def stream_events() -> AsyncIterator[StreamEvent]:
            # stream_events() is an async generator: closing ours closes it, as a consumer's
            # own loop would.
            generator = cast(AsyncGenerator[StreamEvent, None], original())
            async with aclosing(generator) as events:
                async for event in events:
                    self.events.append(event_label(event))
                    if self.on_event is not None:
                        self.on_event(event)
                    yield event

        result.stream_events = stream_events  # type: ignore[method-assign]  # records, same events

    def cancel_runs(self) -> None:
        for result in self.results:
            result.cancel()


_RECORDER: ContextVar[Recorder | None] = ContextVar("scenario_recorder", default=None)


class Runner(agents.Runner):
    """The SDK's Runner; a streamed run's events are also recorded for the page and the key."""

    @classmethod
    def run_streamed(  # type: ignore[override]  # same signature, passed through
        cls, starting_agent: agents.Agent[Any], input: Any, **kwargs: Any
    ) -> RunResultStreaming:
        result = super().run_streamed(starting_agent, input, **kwargs)
        recorder = _RECORDER.get()
        if recorder is not None:
            recorder.watch(result)
        return result


# --- running ------------------------------------------------------------------------------------


def build_model(program: Program, pacing: Pacing) -> Model:
    if program.model == "chat-completions":
        return scripted_chat_model(program.script, pacing)
    return ScriptedModel(program.script, pacing)


def _compiled(code: str) -> CodeType:
    body = textwrap.indent(textwrap.dedent(code).strip("\n"), "    ")
    source = f"async def __program__():\n{body}\n"
    return compile(source, "<scenario>", "exec")


def _namespace(model: Model, recorder: Recorder) -> dict[str, Any]:
    names: dict[str, Any] = {name: getattr(agents, name) for name in _AGENT_NAMES}
    names.update({name: getattr(responses, name) for name in _RESPONSE_NAMES})
    names.update(
        {
            "__name__": "scenario",
            "Runner": Runner,
            "asyncio": asyncio,
            "json": json,
            "model": model,
            "print": recorder.print,
        }
    )
    return names


def _describe_exception(error: BaseException) -> str:
    message = " ".join(str(error).split())
    if len(message) > EXCEPTION_LIMIT:
        message = message[: EXCEPTION_LIMIT - 1] + "…"
    return f"{type(error).__name__}: {message}" if message else type(error).__name__


async def program_run(program: Program, *, pacing: Pacing, recorder: Recorder) -> str:
    """Run the program on the running loop; what it raised ("" if nothing). Cancellation of the
    caller (a closed page) propagates into the program, and from it into its SDK runs."""
    set_tracing_disabled(True)  # nothing leaves the machine
    namespace = _namespace(build_model(program, pacing), recorder)
    exec(_compiled(program.code), namespace)  # our own scenario code, rendered by lessons
    token = _RECORDER.set(recorder)
    try:
        await namespace["__program__"]()
    except Exception as error:
        return _describe_exception(error)
    finally:
        _RECORDER.reset(token)
    return ""


async def _settle() -> None:
    """Let every task the program left behind finish or be cancelled, so nothing leaks."""
    current = asyncio.current_task()
    for _ in range(3):
        pending = [task for task in asyncio.all_tasks() if task is not current]
        if not pending:
            return
        await asyncio.wait(pending, timeout=VIRTUAL_LIMIT / 10)
    for task in asyncio.all_tasks():
        if task is not current:
            task.cancel()
    await asyncio.sleep(0)


def program_outcome(program: Program, *, pacing: Pacing | None = None) -> Outcome:
    """Run the program on a virtual clock (at once, and the same every time) and say what it did.

    A program whose outcome does not depend on time runs with no pacing at all, a timed one at
    its own pace, in virtual seconds; `pacing` overrides either (to check that an untimed
    program's outcome is the same at a real model's pace). Call it from a thread with no
    running event loop.
    """
    recorder = Recorder()
    pacing = pacing or program.pacing or NO_PACING

    async def main() -> str:
        try:
            async with asyncio.timeout(VIRTUAL_LIMIT):
                raised = await program_run(program, pacing=pacing, recorder=recorder)
        except TimeoutError:
            raised = f"TimeoutError: the program ran past {VIRTUAL_LIMIT:g} virtual seconds"
        recorder.cancel_runs()
        await _settle()
        return raised

    raised = run_on_virtual_clock(main)
    return Outcome(printed=recorder.printed, raised=raised, events=tuple(recorder.events))


def namespace_names() -> Mapping[str, str]:
    """What each predefined name of a program is (for the page's note under the code)."""
    return {
        "model": "the scenario's offline model",
        "print": "print, recorded",
        **{name: f"agents.{name}" for name in _AGENT_NAMES},
        **{name: f"openai.types.responses.{name}" for name in _RESPONSE_NAMES},
    }


__all__ = [
    "ModelKind",
    "Outcome",
    "Program",
    "Recorder",
    "Runner",
    "event_label",
    "program_outcome",
    "program_run",
]
