"""A scripted Chat Completions API behind the SDK's own `OpenAIChatCompletionsModel`.

The SDK's Chat Completions model turns the API's chunks into the Responses stream events that
`stream_events()` passes on (`response.created`, text deltas, argument deltas, ...). Driving it
with chunks shaped exactly as the API sends them makes every raw event of a derivation an event
that SDK code produced, not one written here. The API itself is replaced by an in-process HTTP
transport that plays a script: one `Turn` per model call, each streamed chunk by chunk with the
pauses it names (virtual time, see clock.py), or answered whole when the call is not streamed.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx2 as httpx
from agents import OpenAIChatCompletionsModel
from openai import AsyncOpenAI

MODEL = "offline-chat"
DONE = b"data: [DONE]\n\n"


@dataclass(frozen=True)
class Call:
    """A function call (a handoff is one too) whose JSON arguments stream in `chunks`."""

    name: str
    chunks: tuple[str, ...] = ("{}",)
    call_id: str = "call_1"

    @classmethod
    def of(cls, name: str, arguments: dict[str, Any] | None = None, call_id: str = "") -> Call:
        return cls(name, (json.dumps(arguments or {}),), call_id or f"call_{name}")


@dataclass(frozen=True)
class Turn:
    """What one model call answers: text chunks and/or function calls.

    Streamed, the API sends the role chunk after `first_delay`, then each content chunk `delay`
    apart (the first text chunk after `first_token_delay`), then the finish chunk with usage. With
    `fail_after` set, the connection drops (`error`) once that many content chunks were sent;
    `fail_after=0` fails the request before any byte of the answer.
    """

    text: tuple[str, ...] = ()
    calls: tuple[Call, ...] = ()
    first_delay: float = 0.0
    first_token_delay: float = 0.0
    delay: float = 0.0
    fail_after: int | None = None
    error: Exception | None = None
    usage: tuple[int, int] = (10, 5)

    @classmethod
    def says(cls, *text: str, **options: Any) -> Turn:
        return cls(text=text, **options)

    @classmethod
    def calls_tools(cls, *calls: Call, **options: Any) -> Turn:
        return cls(calls=calls, **options)

    def duration(self) -> float:
        pieces = len(self.text) + sum(len(call.chunks) for call in self.calls)
        return self.first_delay + self.first_token_delay + self.delay * max(pieces - 1, 0)

    def failure(self) -> Exception:
        return self.error or httpx.ReadError("the connection to the model dropped")


@dataclass
class ChatScript:
    """The scripted API: answers model calls with its turns in order, and records the calls."""

    turns: list[Turn]
    requests: list[dict[str, Any]] = field(default_factory=list)
    # When each call came, and when each streamed answer had been sent to its end (loop time).
    called_at: list[float] = field(default_factory=list)
    sent_at: list[float] = field(default_factory=list)

    @property
    def calls(self) -> int:
        return len(self.requests)

    @property
    def remaining(self) -> int:
        return len(self.turns) - len(self.requests)

    def model(self) -> OpenAIChatCompletionsModel:
        client = AsyncOpenAI(
            api_key="offline",
            base_url="http://chat.offline.invalid/v1",
            max_retries=0,
            http_client=httpx.AsyncClient(transport=httpx.MockTransport(self._serve)),
        )
        return OpenAIChatCompletionsModel(model=MODEL, openai_client=client)

    async def _serve(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        index = len(self.requests)
        self.requests.append(body)
        self.called_at.append(asyncio.get_running_loop().time())
        if index >= len(self.turns):
            raise AssertionError(f"the script has {len(self.turns)} turns; call {index + 1} came")
        turn = self.turns[index]
        if turn.fail_after == 0:
            await asyncio.sleep(turn.first_delay)
            raise turn.failure()
        if body.get("stream"):
            return httpx.Response(
                200,
                headers={"content-type": "text/event-stream"},
                content=self._stream(turn, index),
            )
        await asyncio.sleep(turn.duration())
        return httpx.Response(200, json=_completion(turn, index))

    async def _stream(self, turn: Turn, index: int) -> AsyncIterator[bytes]:
        async for chunk in _stream(turn, index):
            if chunk == DONE:
                self.sent_at.append(asyncio.get_running_loop().time())
            yield chunk


def _chunk(index: int, delta: dict[str, Any], finish: str | None = None, **extra: Any) -> bytes:
    body = {
        "id": f"chatcmpl-{index}",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": MODEL,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        **extra,
    }
    return f"data: {json.dumps(body)}\n\n".encode()


def _usage(turn: Turn) -> dict[str, int]:
    prompt, completion = turn.usage
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }


def _content_chunks(turn: Turn, index: int) -> list[bytes]:
    chunks = [_chunk(index, {"content": piece}) for piece in turn.text]
    for position, call in enumerate(turn.calls):
        opening = {
            "index": position,
            "id": call.call_id,
            "type": "function",
            "function": {"name": call.name, "arguments": ""},
        }
        chunks.append(_chunk(index, {"tool_calls": [opening]}))
        chunks += [
            _chunk(index, {"tool_calls": [{"index": position, "function": {"arguments": piece}}]})
            for piece in call.chunks
        ]
    return chunks


async def _stream(turn: Turn, index: int) -> AsyncIterator[bytes]:
    await asyncio.sleep(turn.first_delay)
    yield _chunk(index, {"role": "assistant", "content": ""})
    for sent, chunk in enumerate(_content_chunks(turn, index)):
        if turn.fail_after is not None and sent >= turn.fail_after:
            raise turn.failure()
        await asyncio.sleep(turn.first_token_delay if sent == 0 else turn.delay)
        yield chunk
    finish = "tool_calls" if turn.calls else "stop"
    yield _chunk(index, {}, finish, usage=_usage(turn))
    yield DONE


def _completion(turn: Turn, index: int) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": "".join(turn.text) or None}
    if turn.calls:
        message["tool_calls"] = [
            {
                "id": call.call_id,
                "type": "function",
                "function": {"name": call.name, "arguments": "".join(call.chunks)},
            }
            for call in turn.calls
        ]
    return {
        "id": f"chatcmpl-{index}",
        "object": "chat.completion",
        "created": 0,
        "model": MODEL,
        "choices": [
            {
                "index": 0,
                "message": message,
                "finish_reason": "tool_calls" if turn.calls else "stop",
            }
        ],
        "usage": _usage(turn),
    }


def script(*turns: Turn | Sequence[Turn]) -> ChatScript:
    flat: list[Turn] = []
    for turn in turns:
        flat += [turn] if isinstance(turn, Turn) else list(turn)
    return ChatScript(flat)
