"""Requests that hold the interpreter for tens of milliseconds take turns in each worker.

A worker runs every request's synchronous code in threads that share one interpreter lock.
Signing up and logging in (allauth's forms around the password hash) and starting a quiz
(its questions read, an answer row written per question) each hold that lock for 20-60 ms of
CPU. When a class arrives together, dozens of them run at once in each worker, and every
request around them, an answer's autosave above all, waits its turn for the lock after each
of its database round trips, behind all of them. Run one at a time per worker, they queue
among themselves instead, and the light requests keep their pace (the load bench's answer
save tail came from the first seconds of a class signing up and starting together).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.http import HttpRequest

View = TypeVar("View", bound=Callable[..., Any])

# A turn is never refused: past this wait the request runs anyway (a worker whose heavy
# requests queue this long is overloaded, and the in-flight limit answers for that).
TURN_WAIT = 2.0  # seconds, as long as a request waits for a place in flight
_turns = threading.BoundedSemaphore(1)


def one_at_a_time(view: View) -> View:
    """Run `view`'s POSTs one at a time in this worker (its GETs freely)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if request.method != "POST":
            return view(request, *args, **kwargs)
        turn = _turns.acquire(timeout=TURN_WAIT)
        try:
            return view(request, *args, **kwargs)
        finally:
            if turn:
                _turns.release()

    wrapped.takes_turns = True  # type: ignore[attr-defined]  # as Django marks csrf_exempt
    return wrapped  # type: ignore[return-value]
