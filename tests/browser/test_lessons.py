"""The live demos in Chromium: text streams into the page, and Stop ends the run on the server.

The Run press is one request: the page posts the form asking for the run's stream, and the
answer (the run panel, then the run's events) is what htmx's SSE extension reads.
"""

from __future__ import annotations

import re
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


def lesson_requests(page) -> list[Any]:
    """The requests the page makes to lesson addresses (the press, any stream) from now on."""
    seen: list[Any] = []

    def note(request: Any) -> None:
        if "/lessons/" in request.url:
            seen.append(request)

    page.on("request", note)
    return seen


def streams_opened(requests: list[Any]) -> list[str]:
    return [request.url for request in requests if "/stream/" in request.url]


def settled_run() -> DemoRun:
    """The one run, once its stream has ended and its record is settled (off the request's
    path)."""
    deadline = time.monotonic() + 5
    while DemoRun.objects.filter(outcome="running").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    return DemoRun.objects.get()


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
    requests = lesson_requests(page)
    page.get_by_role("button", name="Run").click()
    page.wait_for_function("() => document.getElementById('out-main')?.textContent.length > 40")

    page.get_by_role("button", name="Stop").click()

    assert "Stopped" in page.locator("#run-status").inner_text()
    assert page.locator("[data-stop]").is_hidden()  # nothing left to stop
    shown = output_length(page)
    time.sleep(0.8)
    assert output_length(page) == shown  # nothing more arrives
    # The press's own answer was the stream: closing it is what the server saw.
    assert [request.method for request in requests] == ["POST"]
    run = settled_run()  # written at the press, settled when the stream ended
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

    # The 429 answer (the form with its message) goes in place of the form, processed by htmx.
    alert = page.get_by_role("alert")
    assert "the most allowed" in alert.inner_text()
    assert page.locator("#run").count() == 0
    assert page.get_by_label("Prompt").input_value().startswith("My chat app")
    assert "characters" in page.locator("#demo-form .char-count").inner_text()
    assert page.get_by_role("button", name="Run", exact=True).is_enabled()


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
    requests = lesson_requests(page)
    page.get_by_role("button", name="Run").click()

    # The page asks the run's own address again, as EventSource reconnects, and is told what
    # became of the run (the press claimed it: it does not run twice).
    page.locator("#run-status").get_by_text("Cut off").wait_for(timeout=15_000)
    assert cut
    assert [request.method for request in requests] == ["POST", "GET"]
    assert len(streams_opened(requests)) == 1
    assert "The run was cut off" in page.locator("#run-result").inner_text()
    page.get_by_role("button", name="Run again").click()
    page.locator("#run-status").get_by_text("Done").wait_for(timeout=30_000)
    assert DemoRun.objects.count() == 2


def test_a_press_is_one_request_whose_answer_streams_the_run(
    live_asgi: str, page, learner, password: str, settings
) -> None:
    settings.LESSONS_OFFLINE_TOKEN_DELAY = 0.01
    login_in_browser(page, live_asgi, learner, password)
    page.goto(f"{live_asgi}/lessons/raw-response-events/?preset=text-deltas")
    requests = lesson_requests(page)
    page.get_by_role("button", name="Run").click()
    page.locator("#run-status").get_by_text("Done").wait_for()

    assert [(request.method, request.url) for request in requests] == [
        ("POST", f"{live_asgi}/lessons/raw-response-events/?preset=text-deltas")
    ]
    assert requests[0].headers["accept"] == "text/event-stream"
    assert streams_opened(requests) == []  # the panel's sse-connect was answered by the press
    assert (
        page.locator("#out-main").inner_text() == page.locator("[data-final-output]").inner_text()
    )
    assert "response.created" in page.locator("#event-log li").first.inner_text()
    assert page.get_by_role("button", name="Run", exact=True).is_enabled()
    assert settled_run().outcome == DemoRun.Outcome.COMPLETED


# A run panel as the server renders it, cut down to what this test reads.
PANEL = """<h2 id="run-heading">The run</h2>
<div id="run" class="run" hx-ext="sse" sse-connect="{stream}" sse-close="done" data-run>
  <p id="run-status" class="run-status" role="status">Starting the run…</p>
  <div id="out-main" class="output" sse-swap="text-main" hx-swap="beforeend"></div>
  <ul id="run-notes" class="notes" sse-swap="note,error" hx-swap="beforeend"></ul>
  <div id="run-result" sse-swap="done" hx-swap="innerHTML"></div>
</div>"""


def test_the_page_reads_the_presss_answer_as_event_source_reads_a_stream(
    live_asgi: str, page, learner, password: str
) -> None:
    """Multi-line data, CRLF line ends, comments and events in the same chunk as the panel (the
    whole answer is one chunk here): all reach the panel, in order."""
    stream = "/lessons/raw-response-events/runs/00000000-0000-0000-0000-000000000001/stream/"
    panel = "".join(f"data: {line}\r\n" for line in PANEL.format(stream=stream).split("\n"))
    body = (
        f": the press's answer\r\nevent: run-panel\r\n{panel}\r\n"
        "event: text-main\r\ndata: Hello,\r\n\r\n"
        "event: text-main\ndata:  world\ndata: again\n\n"
        ": keep-alive\n\n"
        "event: note\rdata: <li>a note</li>\r\r"
        "event: done\r\ndata: <p>All done.</p>\r\n\r\n"
        "event: text-main\r\ndata: after done\r\n\r\n"
    )
    login_in_browser(page, live_asgi, learner, password)
    page.goto(f"{live_asgi}/lessons/raw-response-events/?preset=text-deltas")
    requests = lesson_requests(page)

    def answer(route: Any) -> None:
        if route.request.method != "POST":
            route.continue_()
            return
        route.fulfill(status=200, headers={"Content-Type": "text/event-stream"}, body=body)

    page.route(lambda url: "/lessons/raw-response-events/" in url, answer)
    page.get_by_role("button", name="Run").click()
    page.locator("#run-result").get_by_text("All done.").wait_for()

    assert page.evaluate("document.getElementById('out-main').textContent") == "Hello, world\nagain"
    assert page.locator("#run-notes").inner_text() == "a note"
    assert page.locator("#run").get_attribute("data-state") == "ended"  # sse-close on done
    assert streams_opened(requests) == []


@pytest.mark.parametrize(
    ("failure", "said"),
    [
        ("502", "The server could not start this run (it answered 502)."),
        ("unreachable", "The server could not be reached, so the run did not start."),
    ],
)
def test_a_press_the_server_cannot_answer_says_so_and_runs_again(
    live_asgi: str, page, learner, password: str, settings, failure: str, said: str
) -> None:
    settings.LESSONS_OFFLINE_TOKEN_DELAY = 0.01
    login_in_browser(page, live_asgi, learner, password)
    page.goto(f"{live_asgi}/lessons/raw-response-events/?preset=text-deltas")

    def fail(route: Any) -> None:
        if route.request.method != "POST":
            route.continue_()
        elif failure == "unreachable":
            route.abort("connectionrefused")
        else:
            route.fulfill(status=502, content_type="text/html", body="<h1>Bad gateway</h1>")

    page.route(lambda url: "/lessons/raw-response-events/" in url, fail)
    page.get_by_role("button", name="Run").click()

    status = page.locator("#run-status")
    status.get_by_text("Not started").wait_for()
    assert said in status.inner_text()
    assert "Bad gateway" not in page.locator("#run-panel").inner_text()
    assert page.get_by_role("button", name="Run", exact=True).is_enabled()
    assert DemoRun.objects.count() == 0

    page.unroute_all()
    page.get_by_role("button", name="Run again").click()
    page.locator("#run-status").get_by_text("Done").wait_for()
    assert settled_run().outcome == DemoRun.Outcome.COMPLETED


def test_a_press_after_the_session_ended_goes_to_log_in(
    live_asgi: str, page, learner, password: str, settings
) -> None:
    login_in_browser(page, live_asgi, learner, password)
    page.goto(f"{live_asgi}/lessons/raw-response-events/?preset=text-deltas")
    # Signed out since the page was shown (its CSRF cookie kept): the page still offers Run.
    page.context.clear_cookies(name=settings.SESSION_COOKIE_NAME)
    page.get_by_role("button", name="Run").click()

    page.wait_for_url(re.compile(r"/accounts/login/\?next="))
    assert DemoRun.objects.count() == 0


def test_a_browser_that_cannot_read_an_answer_as_it_arrives_takes_two_requests(
    live_asgi: str, page, learner, password: str, settings
) -> None:
    """htmx posts, and the panel's sse-connect opens the run's stream, as before the press
    answered with the stream."""
    settings.LESSONS_OFFLINE_TOKEN_DELAY = 0.01
    page.add_init_script("delete window.ReadableStream;")
    login_in_browser(page, live_asgi, learner, password)
    page.goto(f"{live_asgi}/lessons/raw-response-events/?preset=text-deltas")
    requests = lesson_requests(page)
    page.get_by_role("button", name="Run").click()
    page.locator("#run-status").get_by_text("Done").wait_for()

    assert [request.method for request in requests] == ["POST", "GET"]
    assert "text/event-stream" not in requests[0].headers.get("accept", "")
    assert len(streams_opened(requests)) == 1
    assert settled_run().outcome == DemoRun.Outcome.COMPLETED


async def aenumerate(items: AsyncIterator[bytes]) -> AsyncIterator[tuple[int, bytes]]:
    index = 0
    async for item in items:
        yield index, item
        index += 1
