"""The Run form: what a preset lets the learner change, and what it refuses."""

from __future__ import annotations

from django.http import QueryDict

from lessons.backends import Backend
from lessons.demos import DemoOptions, Preset
from lessons.forms import DemoForm
from lessons.offline import Pacing
from lessons.registry import get_preset

OFFLINE = Backend(name="offline", model="offline", pacing=Pacing(0.4, 0.03))
OPENAI = Backend(name="openai", model="gpt-4.1-mini")


def preset_of(slug: str, name: str) -> Preset:
    preset = get_preset(slug, name)
    assert preset is not None
    return preset


def form(slug: str, name: str, data: dict[str, object] | None = None) -> DemoForm:
    query = None
    if data is not None:
        query = QueryDict(mutable=True)
        for key, value in data.items():
            if isinstance(value, list):
                query.setlist(key, [str(item) for item in value])
            else:
                query[key] = str(value)
    return DemoForm(query, preset=preset_of(slug, name), backend=OFFLINE)


def test_the_form_starts_from_the_preset_and_the_models_pace() -> None:
    text_deltas = form("raw-response-events", "text-deltas")
    assert list(text_deltas.fields) == ["preset", "prompt", "length", "first_token_ms", "token_ms"]
    assert text_deltas["preset"].value() == "text-deltas"
    assert text_deltas["first_token_ms"].value() == 400  # the backend's pace
    assert text_deltas["token_ms"].value() == 30
    timing = form("raw-response-events", "first-token-timing")
    assert timing["first_token_ms"].value() == 1500  # the preset's own


def test_a_real_backend_keeps_its_own_pace() -> None:
    real = DemoForm(preset=preset_of("raw-response-events", "text-deltas"), backend=OPENAI)
    assert "first_token_ms" not in real.fields
    assert "token_ms" not in real.fields


def test_the_options_are_the_presets_with_the_learners_changes() -> None:
    bound = form(
        "raw-response-events",
        "text-deltas",
        {
            "preset": "text-deltas",
            "prompt": "Hi",
            "length": "long",
            "first_token_ms": 10,
            "token_ms": 2,
            "timeout_s": 9,  # not a field of this preset: ignored
        },
    )
    assert bound.is_valid(), bound.errors
    preset = preset_of("raw-response-events", "text-deltas")
    assert bound.options() == preset.options.model_copy(
        update={"length": "long", "first_token_ms": 10, "token_ms": 2}
    )


def test_chosen_tools_become_a_tuple() -> None:
    preset = preset_of("run-item-events", "tool-call")
    assert "tools" in preset.fields
    bound = form(
        "run-item-events",
        "tool-call",
        {"preset": "tool-call", "prompt": "Hi", "length": "short", "tools": ["count_words"]},
    )
    assert bound.is_valid(), bound.errors
    assert bound.options().tools == ("count_words",)


def test_a_form_for_another_preset_is_refused_on_top() -> None:
    bound = form("raw-response-events", "text-deltas", {"preset": "all-raw-events", "prompt": "Hi"})
    assert not bound.is_valid()
    assert bound.non_field_errors() == ["The form does not match this preset; reload the page."]


def test_the_prompt_has_a_limit_that_the_field_says(settings) -> None:
    settings.LESSONS_PROMPT_MAX_LENGTH = 5
    bound = form("basic-streaming", "short-reply", {"preset": "short-reply", "prompt": "123456"})
    assert bound.fields["prompt"].widget.attrs["maxlength"] == "5"
    assert bound.fields["prompt"].help_text == "Up to 5 characters."
    assert not bound.is_valid()
    assert bound.errors["prompt"] == ["Keep the prompt to 5 characters or fewer (it has 6)."]


def test_options_untouched_by_the_form_stay_as_the_preset_sets_them() -> None:
    preset = preset_of("streaming-patterns", "timeout")
    bound = form(
        "streaming-patterns",
        "timeout",
        {"preset": "timeout", "prompt": "Hi", "length": "short", "timeout_s": "0.5"},
    )
    assert bound.is_valid(), bound.errors
    options = bound.options()
    assert options.timeout_s == 0.5
    assert options.fail_after == preset.options.fail_after == DemoOptions().fail_after
