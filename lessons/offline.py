"""The offline model: a local, deterministic model behind the SDK's `Model` interface.

It streams genuine OpenAI Responses events token by token (response.created ... response.completed,
with usage), at a realistic pace: a first-token delay, then a per-token delay. When the agent
offers function tools it calls each of them once (streaming the JSON arguments as
`response.function_call_arguments.delta` events), then answers using their outputs; when the agent
offers handoffs it hands off to the one whose description shares words with the prompt; and it can
be told to fail after a number of tokens (`response.failed`), for the fallback demos.

Its words are stitched from a fixed text about streaming, chosen by a hash of the input: the same
input always gives the same events. It follows one instruction, a reply length written as
"in about N words" (as a real model would be asked).

Pure: no Django imports, so the SDK tests can use it anywhere.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
from collections.abc import AsyncIterator, Callable, Generator, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, cast

from agents import Handoff, Model, ModelResponse, ModelSettings, ModelTracing, Tool, Usage
from agents.agent_output import AgentOutputSchemaBase
from agents.items import TResponseInputItem, TResponseOutputItem, TResponseStreamEvent
from agents.tool import FunctionTool
from openai.types.responses import (
    Response,
    ResponseCompletedEvent,
    ResponseContentPartAddedEvent,
    ResponseContentPartDoneEvent,
    ResponseCreatedEvent,
    ResponseError,
    ResponseFailedEvent,
    ResponseFunctionCallArgumentsDeltaEvent,
    ResponseFunctionCallArgumentsDoneEvent,
    ResponseFunctionToolCall,
    ResponseInProgressEvent,
    ResponseOutputItemAddedEvent,
    ResponseOutputItemDoneEvent,
    ResponseOutputMessage,
    ResponseOutputText,
    ResponseTextDeltaEvent,
    ResponseTextDoneEvent,
    ResponseUsage,
)
from openai.types.responses.response_prompt_param import ResponsePromptParam
from openai.types.responses.response_usage import InputTokensDetails, OutputTokensDetails

MODEL_NAME = "offline"
DEFAULT_REPLY_WORDS = 60
# Words with their leading space, single punctuation marks, and trailing whitespace: joined back
# together they give the text exactly, which is what a tokenizer's deltas must do.
TOKEN_PATTERN = re.compile(r"\s*[\w'\u2019-]+|\s*[^\w\s]|\s+")
LENGTH_PATTERN = re.compile(r"\babout (\d{1,4}) words\b", re.IGNORECASE)
ONE_SENTENCE_PATTERN = re.compile(r"\bone (?:short )?sentence\b", re.IGNORECASE)
# Words that say nothing about which specialist should answer.
_STOPWORDS = (
    "about after again agent also because been being could does doing from handle handoff have "
    "here into just like make more most much other over please request should some such than that "
    "their them then there these they this through transfer what when where which while will with "
    "would your yours"
)
STOPWORDS = frozenset(_STOPWORDS.split())

CORPUS: tuple[str, ...] = (
    "Streaming sends the reply as it is generated, so the first words reach the reader in a "
    "fraction of a second.",
    "Runner.run_streamed returns a RunResultStreaming at once, and stream_events yields events "
    "while the agent is still working.",
    "Each text token arrives as a raw response event whose data is a ResponseTextDeltaEvent.",
    "Filtering on the event's type keeps tool-call arguments out of the visible text.",
    "Run item events describe whole steps: a tool was called, a tool returned, a message is "
    "complete.",
    "An agent_updated_stream_event opens every run and marks every handoff to a new agent.",
    "Time to first token is what people feel; total time is what the model costs.",
    "Breaking out of the loop does not stop the run, so a careful consumer cancels it.",
    "A word buffer trades a few milliseconds of delay for output that never shows half a word.",
    "When a stream fails part way, a fallback to Runner.run can still produce an answer.",
    "A fallback repeats the whole run, including any tool with a side effect.",
    "A timeout bounds how long a user waits, and the run should be cancelled when it fires.",
    "Several streams can run at once with asyncio.gather, each event tagged with its stream.",
    "A circuit breaker stops sending traffic to a model that keeps failing, for a while.",
    "Metrics such as chunk count and tokens per second show whether the stream stays healthy.",
    "Server-Sent Events carry each chunk to the browser as soon as it is written.",
    "The final output is only known when the stream has finished and is_complete is true.",
    "Short answers gain little from streaming, because the whole reply arrives almost at once.",
    "Long answers gain the most, since reading can start long before the model is done.",
    "Every event has a type, and the type decides how a user interface should react.",
    "Tool calls stream too: their arguments arrive as deltas before the tool runs.",
    "A handoff is a tool call that transfers the conversation to a specialist agent.",
    "The specialist streams its own answer once the handoff has taken place.",
    "Good streaming code processes each event as it comes instead of storing them all.",
    "Only one consumer should read a run's events, or the events are split between them.",
    "Closing the browser tab should end the run on the server as well.",
    "Backpressure matters less than latency when each token is only a few bytes.",
    "A realistic model pauses before its first token and then writes at a steady pace.",
)


class OfflineModelError(RuntimeError):
    """The offline model failed because it was told to (get_response's equivalent of a 5xx)."""


@dataclass(frozen=True)
class Pacing:
    """How fast the offline model writes: a pause before the first token, then one per token."""

    first_token: float = 0.4
    per_token: float = 0.03

    def __post_init__(self) -> None:
        if self.first_token < 0 or self.per_token < 0:
            raise ValueError("delays cannot be negative")


@dataclass(frozen=True)
class _Call:
    name: str
    call_id: str
    arguments: str


@dataclass(frozen=True)
class _Plan:
    """What one model turn produces: a message, tool calls (a handoff is one), or both (the
    message is then a preamble, streamed before the calls)."""

    response_id: str
    calls: tuple[_Call, ...] = ()
    message_id: str = ""
    text: str = ""
    input_tokens: int = 0

    @property
    def output_tokens(self) -> int:
        return sum(len(tokenize(call.arguments)) for call in self.calls) + len(tokenize(self.text))


def tokenize(text: str) -> list[str]:
    """Split text into token-like pieces whose concatenation is the text."""
    return TOKEN_PATTERN.findall(text)


def _digest(*parts: object) -> str:
    payload = json.dumps(parts, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()


def _keywords(text: str) -> set[str]:
    """Crude stems (the first five letters) of the meaningful words of a text."""
    words = re.findall(r"[a-z]+", text.lower())
    return {word[:5] for word in words if len(word) >= 4 and word not in STOPWORDS}


def _text_of(item: Any) -> str:
    content = item.get("content") if isinstance(item, dict) else None
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(
            str(part.get("text", "")) for part in content if isinstance(part, dict)
        ).strip()
    return ""


def _field(item: Any, name: str) -> Any:
    return item.get(name) if isinstance(item, dict) else getattr(item, name, None)


@dataclass
class _Conversation:
    """What the model needs from its input: the prompt, and what happened since it was asked."""

    prompt: str = ""
    calls: list[tuple[str, str]] = field(default_factory=list)  # (name, call_id) this turn
    outputs: dict[str, str] = field(default_factory=dict)  # call_id -> output this turn

    @classmethod
    def read(cls, input: str | list[TResponseInputItem]) -> _Conversation:
        if isinstance(input, str):
            return cls(prompt=input)
        conversation = cls()
        for item in input:
            kind = _field(item, "type")
            if _field(item, "role") == "user":
                # A new question: what the model did for an earlier one no longer counts.
                conversation = cls(prompt=_text_of(item))
            elif kind == "function_call":
                conversation.calls.append((str(_field(item, "name")), str(_field(item, "call_id"))))
            elif kind == "function_call_output":
                output = _field(item, "output")
                conversation.outputs[str(_field(item, "call_id"))] = (
                    output if isinstance(output, str) else json.dumps(output, default=str)
                )
        return conversation

    def called(self, name: str) -> bool:
        return any(called == name for called, _ in self.calls)

    def tool_results(self) -> list[tuple[str, str]]:
        """Outputs of the tools called since the question (a handoff's output is not one)."""
        return [
            (name, self.outputs[call_id])
            for name, call_id in self.calls
            if call_id in self.outputs and not name.startswith("transfer_to_")
        ]


def _integer_argument(prompt: str, seed: int) -> int:
    number = re.search(r"\b\d+\b", prompt)
    return int(number.group()) if number else 3 + seed % 5


def _number_argument(prompt: str, seed: int) -> float:
    number = re.search(r"\b\d+(?:\.\d+)?\b", prompt)
    return float(number.group()) if number else 1.5


# Parameters that are not strings, by their JSON schema type.
_ARGUMENTS_BY_TYPE: dict[str, Callable[[str, int], Any]] = {
    "integer": _integer_argument,
    "number": _number_argument,
    "boolean": lambda prompt, seed: True,
    "array": lambda prompt, seed: [_topic(prompt)],
}


def _argument_for(name: str, schema: dict[str, Any], prompt: str, seed: int) -> Any:
    """A plausible value for one tool parameter, read from the prompt where possible."""
    if schema.get("enum"):
        return schema["enum"][seed % len(schema["enum"])]
    kind = schema.get("type")
    if isinstance(kind, str) and (by_type := _ARGUMENTS_BY_TYPE.get(kind)):
        return by_type(prompt, seed)
    return _string_argument(name, prompt)


def _string_argument(name: str, prompt: str) -> str:
    """A string parameter: an address, an id, the prompt itself, or its topic, by its name."""
    lowered = name.lower()
    if "email" in lowered and (address := re.search(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", prompt)):
        return address.group()
    if "id" in lowered.split("_") or lowered.endswith(("id", "number", "code")):
        identifier = re.search(r"\b[\w-]*\d[\w-]*\b", prompt)
        if identifier:
            return identifier.group()
    if lowered in {"text", "message", "prompt", "content"}:
        return prompt
    return _topic(prompt)


def _topic(prompt: str) -> str:
    words = [
        word
        for word in re.findall(r"[\w'\u2019-]+", prompt)
        if len(word) >= 4 and word.lower() not in STOPWORDS
    ]
    return " ".join(words[:3]).lower() or "streaming"


def _arguments(tool: FunctionTool, prompt: str, seed: int) -> str:
    schema = tool.params_json_schema or {}
    properties: dict[str, Any] = schema.get("properties", {})
    required = schema.get("required", list(properties))
    values = {
        name: _argument_for(name, properties[name], prompt, seed)
        for name in required
        if name in properties
    }
    return json.dumps(values, ensure_ascii=False)


def _reply_words(instructions: str | None) -> int:
    if not instructions:
        return DEFAULT_REPLY_WORDS
    if match := LENGTH_PATTERN.search(instructions):
        return max(1, int(match.group(1)))
    if ONE_SENTENCE_PATTERN.search(instructions):
        return 12
    return DEFAULT_REPLY_WORDS


def _compose(prompt: str, tool_results: Sequence[tuple[str, str]], words: int, seed: int) -> str:
    """A reply of about `words` words that quotes the question and any tool results."""
    findings = [
        f"{name} returned {' '.join(output.split())[:160].rstrip('.')}."
        for name, output in tool_results
    ]
    start = seed % len(CORPUS)
    if words <= 15:
        # Asked for one sentence: no preamble, as a real model asked for brevity would do.
        return " ".join([*findings, CORPUS[start]])
    question = " ".join(prompt.split())
    if len(question) > 80:
        question = question[:77].rstrip() + "..."
    ending = "" if question.endswith((".", "?", "!")) else "."
    sentences = [f"You asked: “{question}{ending}”"] if question else []
    sentences += findings
    index = 0
    while len(" ".join(sentences).split()) < words:
        sentences.append(CORPUS[(start + index) % len(CORPUS)])
        index += 1
    return " ".join(sentences)


def _input_tokens(system_instructions: str | None, input: str | list[TResponseInputItem]) -> int:
    text = input if isinstance(input, str) else json.dumps(input, default=str)
    return len(tokenize(system_instructions or "")) + len(tokenize(text))


def _tool_calls(
    conversation: _Conversation,
    tools: Sequence[Tool],
    model_settings: ModelSettings,
    digest: str,
    seed: int,
) -> tuple[_Call, ...]:
    """A call to each function tool not called yet for this question (one at a time when
    parallel tool calls are off)."""
    function_tools = [
        tool
        for tool in tools
        if isinstance(tool, FunctionTool) and not conversation.called(tool.name)
    ]
    if model_settings.parallel_tool_calls is False:
        function_tools = function_tools[:1]
    return tuple(
        _Call(
            tool.name,
            f"call_{_digest(digest, index)[:20]}",
            _arguments(tool, conversation.prompt, seed),
        )
        for index, tool in enumerate(function_tools)
    )


class OfflineModel(Model):
    """A deterministic model that streams genuine Responses events at a realistic pace."""

    def __init__(
        self,
        pacing: Pacing | None = None,
        *,
        fail_after_tokens: int | None = None,
        name: str = MODEL_NAME,
    ) -> None:
        if fail_after_tokens is not None and fail_after_tokens < 0:
            raise ValueError("fail_after_tokens cannot be negative")
        self.pacing = pacing or Pacing()
        self.fail_after_tokens = fail_after_tokens
        self.name = name

    def __repr__(self) -> str:
        return (
            f"OfflineModel(first_token={self.pacing.first_token}s, "
            f"per_token={self.pacing.per_token}s, fail_after_tokens={self.fail_after_tokens})"
        )

    # -- planning -------------------------------------------------------------------------------

    def plan(
        self,
        system_instructions: str | None,
        input: str | list[TResponseInputItem],
        model_settings: ModelSettings,
        tools: Sequence[Tool],
        handoffs: Sequence[Handoff],
    ) -> _Plan:
        """Decide deterministically what this turn produces: a handoff if one fits the
        question, else a call to each tool not called yet, else the reply."""
        conversation = _Conversation.read(input)
        digest = _digest(system_instructions, input, [tool.name for tool in tools])
        seed = int(digest[:8], 16)
        plan = _Plan(f"resp_{digest[:24]}", input_tokens=_input_tokens(system_instructions, input))
        if model_settings.tool_choice != "none":
            calls = self._handoff_call(conversation, handoffs, digest) or _tool_calls(
                conversation, tools, model_settings, digest, seed
            )
            if calls:
                return replace(plan, calls=calls)
        text = _compose(
            conversation.prompt,
            conversation.tool_results(),
            _reply_words(system_instructions),
            seed,
        )
        return replace(plan, message_id=f"msg_{digest[:24]}", text=text)

    def _handoff_call(
        self, conversation: _Conversation, handoffs: Sequence[Handoff], digest: str
    ) -> tuple[_Call, ...]:
        handoff = self._choose_handoff(conversation, handoffs)
        if handoff is None:
            return ()
        return (_Call(handoff.tool_name, f"call_{digest[:20]}", "{}"),)

    @staticmethod
    def _choose_handoff(conversation: _Conversation, handoffs: Sequence[Handoff]) -> Handoff | None:
        if not handoffs or any(
            name.startswith("transfer_to_") or name in {h.tool_name for h in handoffs}
            for name, _ in conversation.calls
        ):
            return None  # one handoff per question: the specialist answers
        asked = _keywords(conversation.prompt)
        scored = [
            (len(asked & _keywords(f"{h.agent_name} {h.tool_description}")), -index, h)
            for index, h in enumerate(handoffs)
        ]
        score, _, best = max(scored, key=lambda entry: entry[:2])
        return best if score > 0 else None

    # -- the Model interface --------------------------------------------------------------------

    async def get_response(
        self,
        system_instructions: str | None,
        input: str | list[TResponseInputItem],
        model_settings: ModelSettings,
        tools: list[Tool],
        output_schema: AgentOutputSchemaBase | None,
        handoffs: list[Handoff],
        tracing: ModelTracing,
        *,
        previous_response_id: str | None = None,
        conversation_id: str | None = None,
        prompt: ResponsePromptParam | None = None,
    ) -> ModelResponse:
        plan = self.plan(system_instructions, input, model_settings, tools, handoffs)
        tokens = plan.output_tokens
        if self.fail_after_tokens is not None and self.fail_after_tokens < len(tokenize(plan.text)):
            await asyncio.sleep(
                self.pacing.first_token + self.fail_after_tokens * self.pacing.per_token
            )
            raise OfflineModelError(
                f"The offline model failed on request after {self.fail_after_tokens} tokens."
            )
        # A non-streamed call returns only when the whole reply has been written.
        await asyncio.sleep(self.pacing.first_token + tokens * self.pacing.per_token)
        response = self._response(plan, status="completed")
        return ModelResponse(
            output=list(response.output),
            usage=self._usage(plan),
            response_id=plan.response_id,
        )

    async def stream_response(
        self,
        system_instructions: str | None,
        input: str | list[TResponseInputItem],
        model_settings: ModelSettings,
        tools: list[Tool],
        output_schema: AgentOutputSchemaBase | None,
        handoffs: list[Handoff],
        tracing: ModelTracing,
        *,
        previous_response_id: str | None = None,
        conversation_id: str | None = None,
        prompt: ResponsePromptParam | None = None,
    ) -> AsyncIterator[TResponseStreamEvent]:
        plan = self.plan(system_instructions, input, model_settings, tools, handoffs)
        for event in self.events(plan):
            if isinstance(event, _Pause):
                await event.wait()
            else:
                yield event

    # -- building the events --------------------------------------------------------------------

    def events(self, plan: _Plan) -> Iterator[TResponseStreamEvent | _Pause]:
        """The turn's stream events in order, with the pauses a real model would take."""
        clock = _Clock(self.pacing)
        sequence = _Sequence()
        in_progress = self._response(plan, status="in_progress")
        yield ResponseCreatedEvent(
            type="response.created", response=in_progress, sequence_number=sequence.next()
        )
        yield ResponseInProgressEvent(
            type="response.in_progress", response=in_progress, sequence_number=sequence.next()
        )
        for output_index, item in enumerate(self._output(plan)):
            if isinstance(item, ResponseFunctionToolCall):
                yield from self._call_events(item, output_index, clock, sequence)
            else:
                message = cast(ResponseOutputMessage, item)
                failed = yield from self._message_events(
                    plan, message, output_index, clock, sequence
                )
                if failed:
                    return
            yield ResponseOutputItemDoneEvent(
                type="response.output_item.done",
                item=item,
                output_index=output_index,
                sequence_number=sequence.next(),
            )
        yield ResponseCompletedEvent(
            type="response.completed",
            response=self._response(plan, status="completed"),
            sequence_number=sequence.next(),
        )

    @staticmethod
    def _call_events(
        item: ResponseFunctionToolCall, output_index: int, clock: _Clock, sequence: _Sequence
    ) -> Iterator[TResponseStreamEvent | _Pause]:
        """A function call: added, its arguments token by token, their end."""
        yield ResponseOutputItemAddedEvent(
            type="response.output_item.added",
            item=item.model_copy(update={"arguments": "", "status": "in_progress"}),
            output_index=output_index,
            sequence_number=sequence.next(),
        )
        for piece in tokenize(item.arguments):
            yield clock.token()
            yield ResponseFunctionCallArgumentsDeltaEvent(
                type="response.function_call_arguments.delta",
                item_id=item.id or item.call_id,
                output_index=output_index,
                delta=piece,
                sequence_number=sequence.next(),
            )
        yield ResponseFunctionCallArgumentsDoneEvent.model_validate(
            {
                "type": "response.function_call_arguments.done",
                "item_id": item.id or item.call_id,
                "output_index": output_index,
                "arguments": item.arguments,
                "name": item.name,
                "sequence_number": sequence.next(),
            }
        )

    def _message_events(
        self,
        plan: _Plan,
        message: ResponseOutputMessage,
        output_index: int,
        clock: _Clock,
        sequence: _Sequence,
    ) -> Generator[TResponseStreamEvent | _Pause, None, bool]:
        """A message: added, its part, the text token by token, their ends. Returns whether
        the model failed part way (its `response.failed` is then the last event)."""
        part = cast(ResponseOutputText, message.content[0])
        yield ResponseOutputItemAddedEvent(
            type="response.output_item.added",
            item=message.model_copy(update={"content": [], "status": "in_progress"}),
            output_index=output_index,
            sequence_number=sequence.next(),
        )
        yield ResponseContentPartAddedEvent(
            type="response.content_part.added",
            item_id=message.id,
            output_index=output_index,
            content_index=0,
            part=part.model_copy(update={"text": ""}),
            sequence_number=sequence.next(),
        )
        for emitted, piece in enumerate(tokenize(part.text)):
            if self.fail_after_tokens is not None and emitted >= self.fail_after_tokens:
                yield self._failed(plan, emitted, sequence.next())
                return True
            yield clock.token()
            yield ResponseTextDeltaEvent(
                type="response.output_text.delta",
                item_id=message.id,
                output_index=output_index,
                content_index=0,
                delta=piece,
                logprobs=[],
                sequence_number=sequence.next(),
            )
        yield ResponseTextDoneEvent(
            type="response.output_text.done",
            item_id=message.id,
            output_index=output_index,
            content_index=0,
            text=part.text,
            logprobs=[],
            sequence_number=sequence.next(),
        )
        yield ResponseContentPartDoneEvent(
            type="response.content_part.done",
            item_id=message.id,
            output_index=output_index,
            content_index=0,
            part=part,
            sequence_number=sequence.next(),
        )
        return False

    def _output(self, plan: _Plan) -> list[TResponseOutputItem]:
        """The turn's output items: its message (a preamble when calls follow), then its calls."""
        message: list[TResponseOutputItem] = []
        if plan.text or not plan.calls:
            message.append(
                ResponseOutputMessage(
                    id=plan.message_id,
                    type="message",
                    role="assistant",
                    status="completed",
                    content=[
                        ResponseOutputText(
                            type="output_text", text=plan.text, annotations=[], logprobs=[]
                        )
                    ],
                )
            )
        calls: list[TResponseOutputItem] = [
            ResponseFunctionToolCall(
                id=f"fc_{call.call_id.removeprefix('call_')}",
                call_id=call.call_id,
                type="function_call",
                name=call.name,
                arguments=call.arguments,
                status="completed",
            )
            for call in plan.calls
        ]
        return message + calls

    def _response(self, plan: _Plan, *, status: str) -> Response:
        done = status == "completed"
        return Response(
            id=plan.response_id,
            created_at=0,
            model=self.name,
            object="response",
            output=self._output(plan) if done else [],
            tool_choice="auto",
            tools=[],
            top_p=None,
            parallel_tool_calls=len(plan.calls) > 1,
            status=status,  # type: ignore[arg-type]
            usage=self._response_usage(plan) if done else None,
        )

    def _failed(self, plan: _Plan, emitted: int, sequence_number: int) -> ResponseFailedEvent:
        response = self._response(plan, status="in_progress").model_copy(
            update={
                "status": "failed",
                "error": ResponseError(
                    code="server_error",
                    message=f"The offline model failed on request after {emitted} tokens.",
                ),
            }
        )
        return ResponseFailedEvent(
            type="response.failed", response=response, sequence_number=sequence_number
        )

    @staticmethod
    def _response_usage(plan: _Plan) -> ResponseUsage:
        return ResponseUsage(
            input_tokens=plan.input_tokens,
            input_tokens_details=InputTokensDetails(cached_tokens=0, cache_write_tokens=0),
            output_tokens=plan.output_tokens,
            output_tokens_details=OutputTokensDetails(reasoning_tokens=0),
            total_tokens=plan.input_tokens + plan.output_tokens,
        )

    @staticmethod
    def _usage(plan: _Plan) -> Usage:
        return Usage(
            requests=1,
            input_tokens=plan.input_tokens,
            output_tokens=plan.output_tokens,
            total_tokens=plan.input_tokens + plan.output_tokens,
        )


class _Sequence:
    def __init__(self) -> None:
        self.value = -1

    def next(self) -> int:
        self.value += 1
        return self.value


@dataclass
class _Pause:
    until: float

    async def wait(self) -> None:
        loop = asyncio.get_running_loop()
        # Sleeping to a schedule rather than for a fixed time keeps the pace steady: a late
        # token does not push back every token after it.
        await asyncio.sleep(max(0.0, self.until - loop.time()))


class _Clock:
    """The schedule of token times: the first after the first-token delay, then one per step."""

    def __init__(self, pacing: Pacing) -> None:
        self.pacing = pacing
        self.next_at: float | None = None

    def token(self) -> _Pause:
        now = asyncio.get_running_loop().time()
        if self.next_at is None:
            self.next_at = now + self.pacing.first_token
        else:
            self.next_at = max(self.next_at + self.pacing.per_token, now)
        return _Pause(self.next_at)
