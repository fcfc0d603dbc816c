"""The backend factory builds the model the settings ask for; nothing here calls a server."""

from __future__ import annotations

import pytest
from agents import ModelSettings, ModelTracing, OpenAIChatCompletionsModel, OpenAIResponsesModel

from lessons.backends import Backend, InterruptedModel, InterruptedStreamError
from lessons.offline import OfflineModel, Pacing


def test_offline_is_the_offline_model_at_the_configured_pace(settings) -> None:
    settings.LESSONS_OFFLINE_FIRST_TOKEN_DELAY = 0.35
    settings.LESSONS_OFFLINE_TOKEN_DELAY = 0.025
    backend = Backend.from_settings()
    model = backend.build()

    assert isinstance(model, OfflineModel)
    assert model.pacing == Pacing(first_token=0.35, per_token=0.025)
    assert model.fail_after_tokens is None
    assert backend.is_offline
    assert backend.description == "the offline model"
    failing = backend.build(fail_after_tokens=4)
    assert isinstance(failing, OfflineModel)
    assert failing.fail_after_tokens == 4


def test_openai_is_the_sdks_responses_model_with_the_key(settings) -> None:
    settings.AGENTS_MODEL_BACKEND = "openai"
    settings.AGENTS_MODEL = "gpt-4.1-mini"
    settings.OPENAI_API_KEY = "sk-test-not-a-real-key"
    model = Backend.from_settings().build()

    assert isinstance(model, OpenAIResponsesModel)
    assert model.model == "gpt-4.1-mini"
    assert model._client.api_key == "sk-test-not-a-real-key"
    assert str(model._client.base_url).startswith("https://api.openai.com/")


def test_openai_compatible_is_the_sdks_chat_completions_model_at_the_base_url(settings) -> None:
    settings.AGENTS_MODEL_BACKEND = "openai-compatible"
    settings.AGENTS_MODEL = "llama3.1"
    settings.AGENTS_BASE_URL = "http://127.0.0.1:11434/v1"
    settings.OPENAI_API_KEY = None
    backend = Backend.from_settings()
    model = backend.build()

    assert isinstance(model, OpenAIChatCompletionsModel)
    assert model.model == "llama3.1"
    assert str(model._client.base_url) == "http://127.0.0.1:11434/v1/"
    assert backend.description == "model llama3.1 at http://127.0.0.1:11434/v1"


def test_a_real_backend_told_to_fail_is_wrapped_to_cut_its_stream(settings) -> None:
    settings.AGENTS_MODEL_BACKEND = "openai"
    settings.OPENAI_API_KEY = "sk-test-not-a-real-key"
    model = Backend.from_settings().build(fail_after_tokens=3)
    assert isinstance(model, InterruptedModel)
    assert isinstance(model.inner, OpenAIResponsesModel)


async def test_the_wrapper_cuts_a_stream_after_so_many_text_tokens() -> None:
    model = InterruptedModel(OfflineModel(Pacing(0, 0)), after_tokens=2)
    seen = []

    async def consume() -> None:
        async for event in model.stream_response(
            None,
            "Explain streaming.",
            ModelSettings(),
            [],
            None,
            [],
            ModelTracing.DISABLED,
            previous_response_id=None,
            conversation_id=None,
            prompt=None,
        ):
            seen.append(event.type)

    with pytest.raises(InterruptedStreamError, match="after 2 tokens"):
        await consume()
    assert seen.count("response.output_text.delta") == 2
