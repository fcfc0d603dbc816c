"""Which model the demos run on: the offline model, OpenAI, or any OpenAI-compatible server.

Chosen by `AGENTS_MODEL_BACKEND`; the two real backends use the SDK's own model classes, so a
demo behaves exactly as it would in a learner's own code.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal

from agents import Model, ModelResponse, OpenAIChatCompletionsModel, OpenAIResponsesModel
from agents.items import TResponseStreamEvent
from django.conf import settings
from openai import AsyncOpenAI
from openai.types.responses import ResponseTextDeltaEvent

from lessons.offline import OfflineModel, Pacing

BackendName = Literal["offline", "openai", "openai-compatible"]


class InterruptedStreamError(ConnectionError):
    """A stream cut on purpose (the fallback demos on a real backend)."""


@dataclass(frozen=True)
class Backend:
    name: BackendName
    model: str
    base_url: str | None = None
    api_key: str | None = None
    pacing: Pacing = field(default_factory=Pacing)

    @classmethod
    def from_settings(cls) -> Backend:
        return cls(
            name=settings.AGENTS_MODEL_BACKEND,
            model=settings.AGENTS_MODEL,
            base_url=settings.AGENTS_BASE_URL,
            api_key=settings.OPENAI_API_KEY,
            pacing=Pacing(
                first_token=settings.LESSONS_OFFLINE_FIRST_TOKEN_DELAY,
                per_token=settings.LESSONS_OFFLINE_TOKEN_DELAY,
            ),
        )

    @property
    def is_offline(self) -> bool:
        return self.name == "offline"

    @property
    def description(self) -> str:
        if self.name == "openai":
            return f"OpenAI, model {self.model}"
        if self.name == "openai-compatible":
            return f"model {self.model} at {self.base_url}"
        return "the offline model"

    def build(self, *, pacing: Pacing | None = None, fail_after_tokens: int | None = None) -> Model:
        """A model for one demo run; `fail_after_tokens` makes its stream fail part way."""
        if self.name == "offline":
            return OfflineModel(pacing or self.pacing, fail_after_tokens=fail_after_tokens)
        model: Model
        if self.name == "openai":
            model = OpenAIResponsesModel(
                model=self.model, openai_client=_client(None, self.api_key)
            )
        else:
            # Most OpenAI-compatible servers (Ollama, vLLM, llama.cpp) speak Chat Completions.
            model = OpenAIChatCompletionsModel(
                model=self.model, openai_client=_client(self.base_url, self.api_key)
            )
        if fail_after_tokens is not None:
            return InterruptedModel(model, after_tokens=fail_after_tokens)
        return model


@lru_cache(maxsize=4)
def _client(base_url: str | None, api_key: str | None) -> AsyncOpenAI:
    # One client per worker keeps its connection pool; local servers ignore the key.
    return AsyncOpenAI(base_url=base_url, api_key=api_key or "not-needed-by-local-servers")


class InterruptedModel(Model):
    """A real backend's model whose streams are cut after some text tokens, like a dropped
    connection; non-streamed calls pass through untouched (they are the fallback)."""

    def __init__(self, inner: Model, *, after_tokens: int) -> None:
        self.inner = inner
        self.after_tokens = after_tokens

    async def get_response(self, *args: Any, **kwargs: Any) -> ModelResponse:
        return await self.inner.get_response(*args, **kwargs)

    async def stream_response(
        self, *args: Any, **kwargs: Any
    ) -> AsyncIterator[TResponseStreamEvent]:
        tokens = 0
        events = self.inner.stream_response(*args, **kwargs)
        try:
            async for event in events:
                if isinstance(event, ResponseTextDeltaEvent):
                    if tokens >= self.after_tokens:
                        raise InterruptedStreamError(
                            f"The stream was cut on purpose after {tokens} tokens."
                        )
                    tokens += 1
                yield event
        finally:
            # Cutting the stream must close the real one (its HTTP response) too.
            if isinstance(events, AsyncGenerator):
                await events.aclose()

    async def close(self) -> None:
        await self.inner.close()
