"""The two offline models a scenario can run on, both following the scenario's script.

- `ScriptedModel`: the offline model (lessons.offline) with its words and calls taken from the
  script. It streams the Responses events itself, so facts about raw events are not keyed on it.
- `scripted_chat_model`: the SDK's own `OpenAIChatCompletionsModel` over an offline HTTP
  transport that answers with Chat Completions chunks shaped as the OpenAI API sends them. The
  SDK's converter turns them into the raw Responses events a consumer sees, so a fact about raw
  events seen through it is a fact about the SDK.

Both pace their output with `asyncio.sleep` on the running loop's clock: real time in a lesson
page, virtual time when a key is derived (lessons.scenarios.clock).

Pure: no Django imports.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
from collections.abc import AsyncIterator, Iterator, Sequence
from typing import Any

import httpx2
from agents import Handoff, ModelSettings, Tool
from agents.items import TResponseInputItem, TResponseStreamEvent
from agents.models.openai_chatcompletions import OpenAIChatCompletionsModel
from openai import AsyncOpenAI

from lessons.offline import OfflineModel, Pacing, _Call, _Pause, _Plan, tokenize
from lessons.scenarios.script import Role, Script, ScriptError, Turn

CHAT_BASE_URL = "http://chat-completions.offline/v1"


def _digest(*parts: object) -> str:
    payload = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


def _field(item: Any, name: str) -> Any:
    return item.get(name) if isinstance(item, dict) else getattr(item, name, None)


def _answered_calls(input: str | list[TResponseInputItem]) -> set[str]:
    """Call ids of the function calls already in a Responses input."""
    if isinstance(input, str):
        return set()
    return {
        str(_field(item, "call_id")) for item in input if _field(item, "type") == "function_call"
    }


def _call_names(role: Role, index: int, handoffs: Sequence[Handoff]) -> list[str]:
    turn = role.turns[index]
    if not turn.handoff:
        return [call.name for call in turn.calls]
    for handoff in handoffs:
        if handoff.agent_name == turn.handoff:
            return [handoff.tool_name]
    raise ScriptError(f"{role.name} has no handoff to {turn.handoff}.")


def handoff_tool_name(agent_name: str) -> str:
    """The name the SDK gives the tool of a handoff to `agent_name` (Handoff.default_tool_name)."""
    return "transfer_to_" + re.sub(r"[^a-z0-9_]", "_", agent_name.lower())


def _arguments(turn: Turn) -> list[str]:
    return [call.json for call in turn.calls] if turn.calls else ["{}"]


class ScriptedModel(OfflineModel):
    """The offline model, saying and calling what the script says, at the pace it is given."""

    def __init__(self, script: Script, pacing: Pacing | None = None) -> None:
        super().__init__(pacing or Pacing(0, 0))
        self.script = script

    def __repr__(self) -> str:
        return f"ScriptedModel({len(self.script.roles)} agents, {self.pacing})"

    def turn(
        self,
        system_instructions: str | None,
        input: str | list[TResponseInputItem],
        handoffs: Sequence[Handoff],
    ) -> tuple[_Plan, Turn]:
        role = self.script.role_for(system_instructions)
        index = role.next_turn(_answered_calls(input))
        turn = role.turns[index]
        digest = _digest(role.name, index, input if isinstance(input, str) else len(input))
        calls: tuple[_Call, ...] = ()
        if not turn.is_final:
            names = _call_names(role, index, handoffs)
            calls = tuple(
                _Call(name, call_id, arguments)
                for name, call_id, arguments in zip(
                    names, role.call_ids(index), _arguments(turn), strict=True
                )
            )
        plan = _Plan(
            response_id=f"resp_{digest[:24]}",
            calls=calls,
            message_id=f"msg_{digest[:24]}" if turn.text else "",
            text=turn.text,
            input_tokens=len(tokenize(json.dumps(input, default=str))),
        )
        return plan, turn

    def plan(
        self,
        system_instructions: str | None,
        input: str | list[TResponseInputItem],
        model_settings: ModelSettings,
        tools: Sequence[Tool],
        handoffs: Sequence[Handoff],
    ) -> _Plan:
        return self.turn(system_instructions, input, handoffs)[0]

    async def stream_response(
        self,
        system_instructions: str | None,
        input: str | list[TResponseInputItem],
        model_settings: ModelSettings,
        tools: list[Tool],
        output_schema: Any,
        handoffs: list[Handoff],
        tracing: Any,
        **_: Any,
    ) -> AsyncIterator[TResponseStreamEvent]:
        plan, turn = self.turn(system_instructions, input, handoffs)
        streamer = OfflineModel(self.pacing, fail_after_tokens=turn.stream_fails_after)
        for event in streamer.events(plan):
            if isinstance(event, _Pause):
                await event.wait()
            else:
                yield event


# --- Chat Completions over an offline transport -------------------------------------------------


def _chunk(delta: dict[str, Any], finish_reason: str | None = None) -> bytes:
    body = {
        "id": "chatcmpl-offline",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": "offline",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
    }
    return f"data: {json.dumps(body)}\n\n".encode()


def _usage_chunk(prompt_tokens: int, completion_tokens: int) -> bytes:
    body = {
        "id": "chatcmpl-offline",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": "offline",
        "choices": [],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }
    return f"data: {json.dumps(body)}\n\n".encode()


class ChunkPlan:
    """One Chat Completions response as the chunks the API would stream for a turn."""

    def __init__(self, role: Role, index: int, offered: set[str]) -> None:
        self.role = role
        self.index = index
        self.turn = role.turns[index]
        self.offered = offered

    def call_names(self) -> list[str]:
        if self.turn.handoff:
            name = handoff_tool_name(self.turn.handoff)
            if name not in self.offered:
                raise ScriptError(f"{self.role.name} has no handoff to {self.turn.handoff}.")
            return [name]
        return [call.name for call in self.turn.calls]

    def content_chunks(self) -> Iterator[tuple[bytes, bool]]:
        """(chunk, whether it carries a text token) in the order the API sends them."""
        yield _chunk({"role": "assistant", "content": ""}), False
        for piece in tokenize(self.turn.text):
            yield _chunk({"content": piece}), True
        calls = self.calls()
        for position, (name, call_id, arguments) in enumerate(calls):
            head = {"id": call_id, "type": "function", "function": {"name": name, "arguments": ""}}
            yield _chunk({"tool_calls": [{"index": position, **head}]}), False
            for piece in tokenize(arguments):
                part = {"index": position, "function": {"arguments": piece}}
                yield _chunk({"tool_calls": [part]}), False
        yield _chunk({}, "stop" if self.turn.is_final else "tool_calls"), False

    def calls(self) -> list[tuple[str, str, str]]:
        """(tool name, call id, JSON arguments) of the turn's calls."""
        if self.turn.is_final:
            return []
        names, ids = self.call_names(), self.role.call_ids(self.index)
        return list(zip(names, ids, _arguments(self.turn), strict=True))

    def completion_tokens(self) -> int:
        arguments = [arguments for _name, _id, arguments in self.calls()]
        return len(tokenize(self.turn.text)) + sum(len(tokenize(a)) for a in arguments)


class _ChunkStream(httpx2.AsyncByteStream):
    """The response body: chunks at the model's pace; cut short where the script says so."""

    def __init__(self, plan: ChunkPlan, pacing: Pacing, usage: bytes | None) -> None:
        self.plan = plan
        self.pacing = pacing
        self.usage = usage

    async def __aiter__(self) -> AsyncIterator[bytes]:
        fail_after = self.plan.turn.stream_fails_after
        tokens = 0
        # The first chunk (the role) comes after the first-token delay, with the first token
        # right behind it; then a chunk per token, as the API streams them.
        delays = iter([self.pacing.first_token, 0.0])
        for chunk, is_token in self.plan.content_chunks():
            if is_token and fail_after is not None and tokens >= fail_after:
                raise httpx2.RemoteProtocolError(
                    "peer closed connection without sending complete message body"
                )
            await asyncio.sleep(next(delays, self.pacing.per_token))
            tokens += is_token
            yield chunk
        if self.usage is not None:
            yield self.usage
        yield b"data: [DONE]\n\n"


def _chat_answered_calls(messages: list[dict[str, Any]]) -> set[str]:
    """The ids of the tool calls the assistant made in the conversation so far."""
    return {
        str(call.get("id"))
        for message in messages
        if message.get("role") == "assistant"
        for call in message.get("tool_calls") or ()
    }


class _ChatServer:
    """An offline Chat Completions endpoint that follows a script."""

    def __init__(self, script: Script, pacing: Pacing) -> None:
        self.script = script
        self.pacing = pacing

    async def respond(self, request: httpx2.Request) -> httpx2.Response:
        body = json.loads(request.content)
        messages = body.get("messages", [])
        plan = self._plan(body, messages)
        usage = None
        if (body.get("stream_options") or {}).get("include_usage"):
            usage = _usage_chunk(len(json.dumps(messages)) // 4, plan.completion_tokens())
        if not body.get("stream"):
            # Without streaming the answer comes whole, when its last token is written.
            tokens = plan.completion_tokens()
            await asyncio.sleep(
                self.pacing.first_token + max(tokens - 1, 0) * self.pacing.per_token
            )
            return httpx2.Response(200, json=self._completion(plan))
        return httpx2.Response(
            200,
            stream=_ChunkStream(plan, self.pacing, usage),
            headers={"content-type": "text/event-stream"},
        )

    def _plan(self, body: dict[str, Any], messages: list[dict[str, Any]]) -> ChunkPlan:
        """The script's next turn for the role the system prompt names, after the tool calls
        that the conversation has answered."""
        system = next((m.get("content") for m in messages if m.get("role") == "system"), None)
        role = self.script.role_for(system)
        index = role.next_turn(_chat_answered_calls(messages))
        offered = {tool["function"]["name"] for tool in body.get("tools") or ()}
        return ChunkPlan(role, index, offered)

    def _completion(self, plan: ChunkPlan) -> dict[str, Any]:
        turn = plan.turn
        message: dict[str, Any] = {"role": "assistant", "content": turn.text or None}
        if not turn.is_final:
            message["tool_calls"] = [
                {"id": call_id, "type": "function", "function": {"name": name, "arguments": args}}
                for name, call_id, args in plan.calls()
            ]
        return {
            "id": "chatcmpl-offline",
            "object": "chat.completion",
            "created": 0,
            "model": "offline",
            "choices": [
                {
                    "index": 0,
                    "message": message,
                    "finish_reason": "stop" if turn.is_final else "tool_calls",
                }
            ],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        }


def scripted_chat_model(script: Script, pacing: Pacing | None = None) -> OpenAIChatCompletionsModel:
    """The SDK's Chat Completions model, talking to an offline server that follows `script`."""
    server = _ChatServer(script, pacing or Pacing(0, 0))
    client = AsyncOpenAI(
        api_key="offline",
        base_url=CHAT_BASE_URL,
        max_retries=0,
        http_client=httpx2.AsyncClient(transport=httpx2.MockTransport(server.respond)),
    )
    return OpenAIChatCompletionsModel(model="offline", openai_client=client)
