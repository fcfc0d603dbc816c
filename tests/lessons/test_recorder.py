"""The recorder: runs' records written off the streams' path, in batches, none lost."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from asgiref.sync import sync_to_async

from lessons import recorder as recorder_module
from lessons.demos import DemoOptions
from lessons.events import Metrics
from lessons.models import DemoRun
from lessons.recorder import RunRecorder, run_recorder
from lessons.services import demo_run_record
from lessons.tickets import RunTicket
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("close_sync_thread_connections"),
]


async def a_record(user_id: int, *, ttft_ms: float = 100.0) -> DemoRun:
    ticket = RunTicket(
        user_id=user_id,
        session="digest",
        lesson="basic-streaming",
        preset="short-reply",
        prompt="Hi",
        options=DemoOptions(),
        backend="offline",
    )
    return demo_run_record(
        ticket=ticket,
        started_at=datetime.now(UTC),
        outcome="completed",
        metrics=Metrics(elapsed_ms=500.0, ttft_ms=ttft_ms, chunks=3),
    )


@pytest.fixture
async def user_id() -> int:
    return (await sync_to_async(UserFactory.create)()).pk


@pytest.fixture
def batches(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The size of each write."""
    sizes: list[int] = []
    original = recorder_module.demo_runs_save

    def counting(*, runs: list[DemoRun]) -> None:
        sizes.append(len(runs))
        original(runs=runs)

    monkeypatch.setattr(recorder_module, "demo_runs_save", counting)
    return sizes


async def test_records_handed_over_together_are_written_together(
    user_id: int, batches: list[int]
) -> None:
    recorder = RunRecorder()
    for _ in range(20):
        recorder.add(await a_record(user_id))

    await recorder.flush()

    assert await DemoRun.objects.acount() == 20
    assert batches == [20]


async def test_records_handed_over_while_a_write_runs_go_in_the_next_one(
    user_id: int, batches: list[int]
) -> None:
    recorder = RunRecorder()
    recorder.add(await a_record(user_id))
    await asyncio.sleep(0)  # the first write has started
    for _ in range(5):
        recorder.add(await a_record(user_id))

    await recorder.flush()

    assert await DemoRun.objects.acount() == 6
    assert sum(batches) == 6
    assert len(batches) <= 2


async def test_one_bad_record_does_not_lose_the_others(
    user_id: int, batches: list[int], caplog: pytest.LogCaptureFixture
) -> None:
    recorder = RunRecorder()
    recorder.add(await a_record(user_id))
    recorder.add(await a_record(user_id, ttft_ms=10_000.0))  # after the end: refused
    recorder.add(await a_record(user_id))

    await recorder.flush()

    assert await DemoRun.objects.acount() == 2
    assert batches == [3, 1, 1, 1]  # together, then one by one
    assert "Recording 1 demo run(s) failed" in caplog.text


async def test_each_event_loop_has_one_recorder() -> None:
    assert run_recorder() is run_recorder()

    async def elsewhere() -> RunRecorder:
        return run_recorder()

    other = await asyncio.to_thread(asyncio.run, elsewhere())
    assert other is not run_recorder()


async def test_flushing_with_nothing_to_write_returns_at_once() -> None:
    await asyncio.wait_for(RunRecorder().flush(), 1)


async def test_a_burst_of_records_is_written_once_it_has_passed(
    user_id: int, batches: list[int]
) -> None:
    """A class pressing Run together: one write once the presses are in, not one every
    WRITE_AFTER beside them."""
    recorder = RunRecorder()
    for _ in range(15):
        recorder.add(await a_record(user_id))
        await asyncio.sleep(recorder_module.WRITE_AFTER / 3)

    await recorder.flush()

    assert batches == [15]
    assert await DemoRun.objects.acount() == 15


async def test_records_that_keep_coming_are_written_within_the_bound(
    user_id: int, batches: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(recorder_module, "WRITE_WITHIN", 0.1)
    recorder = RunRecorder()
    for _ in range(20):
        recorder.add(await a_record(user_id))
        await asyncio.sleep(0.02)  # 0.4 s of records, never a pause of WRITE_AFTER

    await recorder.flush()

    assert sum(batches) == 20
    assert len(batches) >= 3  # a write at least every 0.1 s or so
    assert await DemoRun.objects.acount() == 20
