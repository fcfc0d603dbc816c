"""The lesson pages and the Run button (the streams are in test_streaming.py)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from lessons.catalog import LESSONS
from lessons.registry import PRESETS
from tests.lessons.conftest import stream_url

HTMX = {"HX-Request": "true"}


def run_data(preset: str = "text-deltas", **overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "preset": preset,
        "prompt": "Explain streaming.",
        "length": "short",
        "first_token_ms": 0,
        "token_ms": 0,
    }
    data.update(overrides)
    return data


def detail(slug: str = "raw-response-events", preset: str = "text-deltas") -> str:
    return f"{reverse('lessons:detail', args=[slug])}?preset={preset}"


def test_the_index_links_every_lesson_and_its_presets(client: Client, db) -> None:
    html = client.get(reverse("lessons:index")).content.decode()
    for lesson in LESSONS:
        assert f'href="/lessons/{lesson.slug}/"' in html
        for preset in PRESETS[lesson.slug]:
            assert f'href="/lessons/{lesson.slug}/?preset={preset.name}"' in html


@pytest.mark.parametrize(
    ("slug", "preset", "function"),
    [
        ("basic-streaming", "side-by-side", "side_by_side"),
        ("raw-response-events", "tool-call-arguments", "raw_events"),
        ("run-item-events", "parallel-tools", "run_items"),
        ("streaming-with-handoffs", "triage", "handoffs"),
        ("streaming-patterns", "concurrent", "concurrent"),
    ],
)
def test_a_lesson_page_shows_the_code_that_runs_the_presets_and_the_form(
    client: Client, db, django_assert_num_queries, slug: str, preset: str, function: str
) -> None:
    with django_assert_num_queries(0):
        response = client.get(detail(slug, preset))
    html = response.content.decode()
    assert response.status_code == 200
    # The function's own source, highlighted by Pygments.
    assert f'<span class="nf">{function}</span>' in html
    assert '<span class="n">Runner</span>' in html
    for candidate in PRESETS[slug]:
        assert f'href="?preset={candidate.name}"' in html
    assert f'href="?preset={preset}" aria-current="page"' in html
    assert 'name="prompt"' in html
    assert 'maxlength="500"' in html
    assert "You are watching the offline model." in html
    assert "Log in</a> to run the demos." in html


def test_the_source_shown_is_read_from_the_module_that_runs(client: Client, db) -> None:
    import inspect

    from lessons.demos.streaming_patterns import WordBuffer, buffered

    html = client.get(detail("streaming-patterns", "buffered")).content.decode()
    assert (
        f"lessons/demos/streaming_patterns.py, line {inspect.getsourcelines(buffered)[1]}" in html
    )
    assert f"line {inspect.getsourcelines(WordBuffer)[1]}" in html  # the helper it uses


def test_the_form_shows_only_the_options_of_the_preset(client: Client, db) -> None:
    pacing = client.get(detail("raw-response-events", "first-token-timing")).content.decode()
    assert 'name="first_token_ms" value="1500"' in pacing
    assert 'name="timeout_s"' not in pacing
    timeout = client.get(detail("streaming-patterns", "timeout")).content.decode()
    assert 'name="timeout_s" value="1.5"' in timeout
    assert 'name="first_token_ms"' not in timeout


def test_with_a_real_backend_the_page_says_which_and_drops_the_pacing_options(
    client: Client, db, settings
) -> None:
    settings.AGENTS_MODEL_BACKEND = "openai"
    settings.OPENAI_API_KEY = "sk-test-not-a-real-key"
    html = client.get(detail()).content.decode()
    assert "Streaming from OpenAI, model gpt-4.1-mini." in html
    assert "offline model" not in html
    assert 'name="first_token_ms"' not in html


def test_an_unknown_preset_shows_the_default_with_a_word_and_a_404(client: Client, db) -> None:
    response = client.get(detail("basic-streaming", "no-such-thing"))
    assert response.status_code == 404
    html = response.content.decode()
    assert "This lesson has no preset called “no-such-thing”" in html
    assert 'href="?preset=side-by-side" aria-current="page"' in html


def test_an_unknown_lesson_is_404(client: Client, db) -> None:
    assert client.get("/lessons/no-such-lesson/").status_code == 404


def test_running_needs_a_signed_in_user(client: Client, db) -> None:
    response = client.post(detail(), run_data())
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
    htmx = client.post(detail(), run_data(), headers=HTMX)
    assert htmx.status_code == 200
    assert htmx["HX-Redirect"].startswith("/accounts/login/?next=")


def test_run_answers_htmx_with_the_run_panel_connected_to_its_stream(
    learner_client: Client,
) -> None:
    response = learner_client.post(detail(), run_data(), headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    url = stream_url(html)
    assert url.startswith("/lessons/raw-response-events/runs/")
    assert url.endswith("/stream/")
    assert 'sse-close="done"' in html
    assert 'sse-swap="text-main"' in html
    assert "<html" not in html  # a fragment for #run-panel, not the page


def test_the_run_panel_is_the_templates_partial_with_the_runs_own_stream() -> None:
    """Rendered once per preset, filled in per run: the same as the template renders it."""
    import uuid

    from django.template.loader import get_template

    from lessons.backends import Backend
    from lessons.catalog import LESSONS_BY_SLUG
    from lessons.fragments import Frame
    from lessons.registry import get_preset
    from lessons.tickets import RunTicket
    from lessons.views import TEMPLATE, run_panel, run_panel_event

    lesson = LESSONS_BY_SLUG["streaming-with-handoffs"]
    backend = Backend.from_settings()
    for preset in (
        get_preset(lesson.slug),
        get_preset("raw-response-events", "tool-call-arguments"),
    ):
        assert preset is not None
        for _ in range(2):
            ticket = RunTicket(
                user_id=1,
                session="s",
                lesson=lesson.slug,
                preset=preset.name,
                prompt="p",
                options=preset.options,
                backend=backend.name,
            )
            context = {"lesson": lesson, "preset": preset, "backend": backend, "ticket": ticket}
            rendered = get_template(f"{TEMPLATE}#run-panel").render(context)
            assert run_panel(lesson, preset, backend, ticket.id) == rendered
            # The Run press's stream opens with the same panel, framed as its first event.
            event = run_panel_event(lesson, preset, backend, ticket.id)
            assert event == Frame("run-panel", rendered).encode()
            assert f"/runs/{ticket.id}/stream/" in rendered
            assert str(uuid.UUID(int=0)) not in rendered


def test_the_offline_models_reply_is_said_plainly_not_to_answer_the_prompt(
    learner_client: Client,
) -> None:
    html = learner_client.post(detail(), run_data(), headers=HTMX).content.decode()
    assert "The offline model does not answer your prompt." in html
    assert 'class="output" sse-swap="text-main"' in html
    assert 'aria-describedby="offline-reply-note"' in html
    assert "AGENTS_MODEL_BACKEND=openai" in html
    # The tokens are not a live region; the final output is announced once.
    assert '<div id="run-result" sse-swap="done" hx-swap="innerHTML" aria-live="polite">' in html


def test_run_without_javascript_renders_the_whole_page_with_the_run(
    learner_client: Client,
) -> None:
    html = learner_client.post(detail(), run_data()).content.decode()
    assert "<html" in html
    assert stream_url(html)
    assert "turn it on to watch it" in html


def test_a_prompt_over_the_limit_is_refused_with_a_clear_message(
    learner_client: Client, settings
) -> None:
    settings.LESSONS_PROMPT_MAX_LENGTH = 20
    response = learner_client.post(detail(), run_data(prompt="x" * 21), headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 400
    assert "Keep the prompt to 20 characters or fewer (it has 21)." in html
    assert response["HX-Retarget"] == "#demo-form"
    assert response["HX-Reswap"] == "outerHTML"
    assert "sse-connect" not in html


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("prompt", "   ", "Write a prompt for the agent."),
        ("token_ms", "-1", "greater than or equal to 0"),
        ("length", "enormous", "Select a valid choice"),
        ("preset", "all-raw-events", "does not match this preset"),
    ],
)
def test_bad_options_are_refused_next_to_their_field(
    learner_client: Client, field: str, value: str, message: str
) -> None:
    response = learner_client.post(detail(), run_data(**{field: value}), headers=HTMX)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_past_the_rate_limit_a_run_gets_429_and_says_when_to_retry(
    learner_client: Client, settings
) -> None:
    settings.LESSONS_RUNS_PER_WINDOW = 2
    for _ in range(2):
        assert learner_client.post(detail(), run_data(), headers=HTMX).status_code == 200

    refused = learner_client.post(detail(), run_data(), headers=HTMX)

    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    html = refused.content.decode()
    assert "You have started 2 demo runs in 60 seconds, the most allowed." in html
    assert "sse-connect" not in html


def test_when_too_many_runs_stream_a_run_gets_429(learner_client: Client, settings) -> None:
    from lessons.limits import slot_acquire

    settings.LESSONS_MAX_CONCURRENT_RUNS = 1
    assert slot_acquire() is not None

    refused = learner_client.post(detail(), run_data(), headers=HTMX)

    assert refused.status_code == 429
    assert "The demos are busy: 1 runs are streaming right now." in refused.content.decode()
