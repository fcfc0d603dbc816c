"""A controllable clock: an event loop whose time is virtual.

A scenario whose outcome depends on time (a timeout, a slow tool, a guardrail racing the model)
must give the same outcome on every run, on a busy machine or a quiet one, and at once. On this
loop, `loop.time()` starts at 0 and moves only when nothing is ready to run: it then jumps to
the next timer. `asyncio.sleep(2)` returns immediately in real time, after exactly 2 virtual
seconds, in the same order relative to every other timer as it would on a real clock with
instantaneous code. Work handed to a thread (a synchronous function tool) is waited for in real
time before the clock moves on, so a thread never races a timer.

Pure: no Django imports.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import selectors
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


class _CountingExecutor(concurrent.futures.ThreadPoolExecutor):
    """The loop's default executor, counting the work it has in hand."""

    def __init__(self) -> None:
        super().__init__(max_workers=4, thread_name_prefix="virtual-clock")
        self._lock = threading.Lock()
        self.busy = 0

    def submit(
        self, fn: Callable[..., T], /, *args: Any, **kwargs: Any
    ) -> concurrent.futures.Future[T]:
        with self._lock:
            self.busy += 1
        future = super().submit(fn, *args, **kwargs)
        future.add_done_callback(self._done)
        return future

    def _done(self, _future: concurrent.futures.Future[Any]) -> None:
        with self._lock:
            self.busy -= 1


class _VirtualSelector:
    """Wraps the loop's selector: instead of waiting `timeout` seconds, move the clock on."""

    def __init__(self, inner: selectors.BaseSelector, loop: VirtualClockLoop) -> None:
        self._inner = inner
        self._loop = loop

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        if timeout == 0:
            return self._inner.select(0)
        if timeout is None or self._loop.executor.busy:
            # Nothing scheduled, or a thread at work: wait for real (a thread wakes the loop).
            return self._inner.select(None)
        events = self._inner.select(0)
        if not events:
            self._loop.advance(timeout)
        return events

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class VirtualClockLoop(asyncio.SelectorEventLoop):
    """An event loop whose clock jumps to the next timer whenever nothing is ready."""

    def __init__(self) -> None:
        super().__init__()
        self._now = 0.0
        self._selector: Any = _VirtualSelector(self._selector, self)
        self.executor = _CountingExecutor()
        self.set_default_executor(self.executor)

    def time(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        self._now += seconds


def run_on_virtual_clock(main: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run `main()` to completion on a fresh virtual-clock loop (in the calling thread, which
    must not be running a loop), then close the loop and its executor."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:
        raise RuntimeError("Run a virtual clock from a thread with no loop (asyncio.to_thread).")
    loop = VirtualClockLoop()
    try:
        return loop.run_until_complete(main())
    finally:
        try:
            loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            loop.executor.shutdown(wait=True)
            loop.close()
