"""The live demos in Chromium: text streams into the page, and Stop ends the run on the server."""

from __future__ import annotations

import time
from collections.abc import AsyncGenerator, AsyncIterator
from typing import Any, cast

import pytest

from lessons import views
from lessons.models import DemoRun
from tests.conftest import login_in_browser

pytestmark = pytest.mark.browser


def output_length(page, channel: str = "main") -> int:
    return page.evaluate(f"document.getElementById('out-{channel}').textContent.length")


def test_lesson_02_text_grows_token_by_token_before_done(
    live_asgi: str, page, learner, password: str
) -> None:
    login_in_browser(page, live_asgi, learner, password)
    page.goto(f"{live_asgi}/lessons/raw-response-events/?preset=text-deltas")
    page.get_by_label("Reply length").select_option("medium")
    page.get_by_label("First-token delay (ms)").fill("300")
    page.get_by_label("Per-token delay (ms)").fill("40")
    page.get_by_role("button", name="Run").click()

    status = page.locator("#run-status")
    lengths = []
    deadline = time.monotonic() + 15
    while "Done" not in status.inner_text() and time.monotonic() < deadline:
        lengths.append(output_length(page))
        time.sleep(0.2)

    assert "Done" in status.inner_text()
    growing = [n for n in lengths if n > 0]
    # Seen part-written at several moments, each longer than the one before.
    assert len(set(growing)) >= 5, lengths
    assert growing == sorted(growing)
    assert growing[0] < output_length(page) / 4  # the first sight was a small part of it
    final = page.locator("[data-final-output]").inner_text()
    assert page.locator("#out-main").inner_text() == final
    assert "response.created" in page.locator("#event-log li").first.inner_text()
    assert "response.completed" in page.locator("#event-log").inner_text()
    assert "Time to first token" in page.locator("#run-metrics").inner_text()


def test_lesson_05_stop_ends_the_run_on_the_server(
    live_asgi: str, page, learner, password: str, settings
) -> None:
    settings.LESSONS_OFFLINE_TOKEN_DELAY = 0.04
    login_in_browser(page, live_asgi, learner, password)
    page.goto(f"{live_asgi}/lessons/streaming-patterns/?preset=cancel")
    page.get_by_role("button", name="Run").click()
    page.wait_for_function("document.getElementById('out-main')?.textContent.length > 40")

    page.get_by_role("button", name="Stop").click()

    assert "Stopped" in page.locator("#run-status").inner_text()
    assert page.locator("[data-stop]").is_hidden()  # nothing left to stop
    shown = output_length(page)
    time.sleep(0.8)
    assert output_length(page) == shown  # nothing more arrives
    deadline = time.monotonic() + 5
    while DemoRun.objects.filter(outcome="running").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    run = DemoRun.objects.get()  # written at the press, settled when the stream ended
    assert run.outcome == DemoRun.Outcome.CANCELLED
    assert run.preset == "cancel"
    assert 0 < run.chunks < 150  # cut short: the long reply is ~250 tokens


def test_a_refused_run_says_why_next_to_the_form(
    live_asgi: str, page, learner, password: str, settings
) -> None:
    settings.LESSONS_RUNS_PER_WINDOW = 0
    login_in_browser(page, live_asgi, learner, password)
    page.goto(f"{live_asgi}/lessons/streaming-with-handoffs/?preset=triage")
    page.get_by_role("button", name="Run").click()

    # htmx swaps the 429 answer (the form with its message) in place of the form.
    alert = page.get_by_role("alert")
    assert "the most allowed" in alert.inner_text()
    assert page.locator("#run").count() == 0
    assert page.get_by_label("Prompt").input_value().startswith("My chat app")


def test_a_run_cut_off_mid_stream_says_so_and_runs_again(
    live_asgi: str, page, learner, password: str, settings, monkeypatch
) -> None:
    settings.LESSONS_OFFLINE_TOKEN_DELAY = 0.02
    real = views.demo_stream
    cut: list[bool] = []

    def breaking_off(**kwargs: Any) -> AsyncIterator[bytes]:
        """The first stream breaks off mid-run, with no done, as when its worker dies."""

        async def body() -> AsyncIterator[bytes]:
            stream = cast(AsyncGenerator[bytes], real(**kwargs))
            try:
                async for sent, chunk in aenumerate(stream):
                    yield chunk
                    if not cut and sent == 30:
                        cut.append(True)
                        raise ConnectionAbortedError("the web worker is gone")
            finally:
                await stream.aclose()

        return body()

    monkeypatch.setattr(views, "demo_stream", breaking_off)
    login_in_browser(page, live_asgi, learner, password)
    page.goto(f"{live_asgi}/lessons/raw-response-events/?preset=text-deltas")
    page.get_by_label("Reply length").select_option("medium")
    page.get_by_role("button", name="Run").click()

    # The browser reconnects on its own and is told what became of the run.
    page.locator("#run-status").get_by_text("Cut off").wait_for(timeout=15_000)
    assert cut
    assert "The run was cut off" in page.locator("#run-result").inner_text()
    page.get_by_role("button", name="Run again").click()
    page.locator("#run-status").get_by_text("Done").wait_for(timeout=30_000)
    assert DemoRun.objects.count() == 2


async def aenumerate(items: AsyncIterator[bytes]) -> AsyncIterator[tuple[int, bytes]]:
    index = 0
    async for item in items:
        yield index, item
        index += 1
