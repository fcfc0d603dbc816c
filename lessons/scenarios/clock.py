"""A controllable clock: an event loop whose time is virtual.

A scenario whose outcome depends on time (a timeout, a slow tool, a guardrail racing the model)
must give the same outcome on every run, on a busy machine or a quiet one, and at once. On this
loop, `loop.time()` starts at 0 and moves only when nothing is ready to run: it then jumps to
the next timer. `asyncio.sleep(2)` returns immediately in real time, after exactly 2 virtual
seconds, in the same order relative to every other timer as it would on a real clock with
instantaneous code. Work handed to a thread (a synchronous function tool) is waited for in real
time before the clock moves on, so a thread never races a timer. The scenarios' demos and the
evidence that keys the bank (questions/evidence) both run on it.

Pure: no Django imports.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import selectors
import threading
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

T = TypeVar("T")

# A run that needs more virtual time than this is stuck (a consumer waiting forever).
VIRTUAL_TIME_LIMIT = 3600.0


class _VirtualSelector:
    """Wraps the loop's selector: instead of waiting `timeout` seconds, move the clock on."""

    def __init__(self, inner: selectors.BaseSelector, loop: VirtualClockLoop) -> None:
        self._inner = inner
        self._loop = loop

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        if timeout == 0:
            return self._inner.select(0)
        if timeout is None or self._loop.threads_pending():
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
        self._threads = 0
        self._threads_lock = threading.Lock()
        self.set_default_executor(
            concurrent.futures.ThreadPoolExecutor(max_workers=4, thread_name_prefix="virtual-clock")
        )

    def time(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        self._now += seconds
        if self._now > VIRTUAL_TIME_LIMIT:
            raise TimeoutError(f"the run was still going after {VIRTUAL_TIME_LIMIT:g} s")

    def threads_pending(self) -> bool:
        """Whether work handed to a thread (any executor) is still running."""
        return self._threads > 0

    def run_in_executor(  # type: ignore[override]  # the same signature, typed loosely
        self, executor: Any, func: Callable[..., T], *args: Any
    ) -> asyncio.Future[T]:
        with self._threads_lock:
            self._threads += 1
        future = super().run_in_executor(executor, func, *args)
        future.add_done_callback(self._thread_done)
        return future

    def _thread_done(self, _future: asyncio.Future[Any]) -> None:
        with self._threads_lock:
            self._threads -= 1


def run_on_virtual_clock(main: Callable[[], Awaitable[T]]) -> T:
    """Run `main()` to completion on a fresh virtual-clock loop (in the calling thread, which
    must not be running a loop); tasks it leaves behind are cancelled, then the loop and its
    executor are closed."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:
        raise RuntimeError("Run a virtual clock from a thread with no loop (asyncio.to_thread).")
    loop = VirtualClockLoop()
    try:
        return loop.run_until_complete(_main(main))
    finally:
        try:
            _cancel_leftovers(loop)
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.run_until_complete(loop.shutdown_default_executor())
        finally:
            loop.close()


async def in_virtual_clock(main: Callable[[], Awaitable[T]]) -> T:
    """Run `main()` on its own virtual-clock loop in a worker thread: callable from any loop, and
    nothing it starts can leak into the caller's loop."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return await asyncio.get_running_loop().run_in_executor(pool, run_on_virtual_clock, main)


async def _main(main: Callable[[], Awaitable[T]]) -> T:
    return await main()


def _cancel_leftovers(loop: asyncio.AbstractEventLoop) -> None:
    leftovers = [task for task in asyncio.all_tasks(loop) if not task.done()]
    for task in leftovers:
        task.cancel()
    if leftovers:
        loop.run_until_complete(asyncio.gather(*leftovers, return_exceptions=True))
