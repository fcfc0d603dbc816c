"""Heavy requests (sign-up, log-in, starting a quiz) take turns in each worker."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory
from django.urls import resolve, reverse

from questions import capacity
from questions.capacity import one_at_a_time

factory = RequestFactory()


class Overlap:
    """A view that stays busy a moment and records how many of its calls ran at once."""

    def __init__(self) -> None:
        self.running = 0
        self.most = 0
        self.lock = threading.Lock()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
        time.sleep(0.05)
        with self.lock:
            self.running -= 1
        return HttpResponse("ok")


def run_together(view: Callable[[HttpRequest], HttpResponse], requests: list[HttpRequest]) -> None:
    threads = [threading.Thread(target=view, args=(request,)) for request in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def test_posts_to_a_heavy_view_run_one_at_a_time() -> None:
    view = Overlap()

    run_together(one_at_a_time(view), [factory.post("/") for _ in range(4)])

    assert view.most == 1


def test_without_turns_the_same_posts_overlap() -> None:
    """The check above can fail: unwrapped, the same calls run at once."""
    view = Overlap()

    run_together(view, [factory.post("/") for _ in range(4)])

    assert view.most > 1


def test_gets_of_a_heavy_view_do_not_wait_for_turns() -> None:
    view = Overlap()

    run_together(one_at_a_time(view), [factory.get("/") for _ in range(4)])

    assert view.most > 1


def test_a_view_that_fails_gives_its_turn_back() -> None:
    def failing(request: HttpRequest) -> HttpResponse:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        one_at_a_time(failing)(factory.post("/"))
    view = Overlap()

    run_together(one_at_a_time(view), [factory.post("/")])

    assert view.most == 1


def test_a_request_that_waited_too_long_for_its_turn_runs_anyway(monkeypatch) -> None:
    monkeypatch.setattr(capacity, "TURN_WAIT", 0.01)
    view = Overlap()
    capacity._turns.acquire()  # another request's turn, never given back in time
    try:
        response = one_at_a_time(view)(factory.post("/"))
    finally:
        capacity._turns.release()

    assert response.status_code == 200
    assert view.most == 1


@pytest.mark.parametrize(
    "url",
    [
        reverse("signup"),
        reverse("login"),
        reverse("questions:quiz_start", args=["level-beginner"]),
    ],
)
def test_sign_up_log_in_and_quiz_start_take_turns(url: str) -> None:
    view = resolve(url).func
    assert getattr(view, "takes_turns", False) is True
