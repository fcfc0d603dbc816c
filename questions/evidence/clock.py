"""Virtual time: an event loop whose clock jumps ahead instead of waiting.

A derivation that depends on time (a model that pauses before its first token, a timeout, a slow
client) runs on a `VirtualTimeLoop`: whenever every task is waiting on a timer, the loop moves
its clock to the next timer at once. `asyncio.sleep`, `asyncio.wait_for`, `asyncio.timeout` and
the SDK's own deadlines all read `loop.time()`, so they behave exactly as they would in real time,
in no time and in the same order on every run. Work handed to threads takes no virtual time: while
any is pending the loop waits for it for real, with its clock stopped.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import selectors
import threading
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

T = TypeVar("T")

# A run that needs more virtual time than this is stuck (a consumer waiting forever).
VIRTUAL_TIME_LIMIT = 3600.0


class _VirtualSelector(selectors.BaseSelector):
    """The loop's selector: polls real I/O without waiting, and moves the clock instead."""

    def __init__(self, loop: VirtualTimeLoop) -> None:
        self._inner = selectors.DefaultSelector()
        self._loop = loop

    def register(self, fileobj: Any, events: int, data: Any = None) -> selectors.SelectorKey:
        return self._inner.register(fileobj, events, data)

    def unregister(self, fileobj: Any) -> selectors.SelectorKey:
        return self._inner.unregister(fileobj)

    def modify(self, fileobj: Any, events: int, data: Any = None) -> selectors.SelectorKey:
        return self._inner.modify(fileobj, events, data)

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        if timeout is None or self._loop.threads_pending():
            # Nothing is scheduled (only I/O can wake the loop), or a thread is working: wait
            # for real, with the clock stopped.
            return self._inner.select(timeout if timeout is None else min(timeout, 0.05))
        ready = self._inner.select(0)
        if not ready and timeout > 0:
            self._loop.advance(timeout)
        return ready

    def get_map(self) -> Mapping[Any, selectors.SelectorKey]:
        return self._inner.get_map()

    def close(self) -> None:
        self._inner.close()


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    """An event loop on virtual time, starting at 0."""

    def __init__(self) -> None:
        self._now = 0.0
        self._threads = 0
        self._threads_lock = threading.Lock()
        super().__init__(selector=_VirtualSelector(self))

    def time(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        self._now += seconds
        if self._now > VIRTUAL_TIME_LIMIT:
            raise TimeoutError(f"the run was still going after {VIRTUAL_TIME_LIMIT:g} s")

    def threads_pending(self) -> bool:
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


def run_in_virtual_time(scenario: Callable[[], Awaitable[T]]) -> T:
    """Run `scenario` to its end on a fresh virtual-time loop (in this thread) and return its
    result; tasks it leaves behind are cancelled."""
    loop = VirtualTimeLoop()
    try:
        return loop.run_until_complete(_main(scenario))
    finally:
        _cancel_leftovers(loop)
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.run_until_complete(loop.shutdown_default_executor())
        loop.close()


async def _main(scenario: Callable[[], Awaitable[T]]) -> T:
    return await scenario()


def _cancel_leftovers(loop: asyncio.AbstractEventLoop) -> None:
    leftovers = [task for task in asyncio.all_tasks(loop) if not task.done()]
    for task in leftovers:
        task.cancel()
    if leftovers:
        loop.run_until_complete(asyncio.gather(*leftovers, return_exceptions=True))


async def in_virtual_time(scenario: Callable[[], Awaitable[T]]) -> T:
    """Run `scenario` on its own virtual-time loop in a worker thread: callable from any loop,
    and nothing it starts can leak into the caller's loop."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return await asyncio.get_running_loop().run_in_executor(pool, run_in_virtual_time, scenario)
