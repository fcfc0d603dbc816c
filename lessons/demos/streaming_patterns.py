"""Lesson 05, production patterns (seed 05_streaming_patterns): buffered output, fallback,
timeout, cancellation, concurrent streams, a circuit breaker and metrics."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import aclosing

from agents import Agent, Model, Runner, function_tool
from agents.result import RunResultBase
from openai.types.responses import ResponseTextDeltaEvent

from lessons.breaker import CircuitBreaker
from lessons.demos import Channel, Demo, DemoOptions, Preset, describe, merge
from lessons.events import DemoEvent, Final, Note, Text

logger = logging.getLogger(__name__)

INSTRUCTIONS = "You are a helpful assistant who explains things clearly."


class WordBuffer:
    """Holds streamed text back until it has whole words, so a page never shows half a word."""

    def __init__(self, words: int = 1) -> None:
        self.words = words
        self.pending = ""

    def add(self, delta: str) -> str:
        """Return the text that is ready to show (whole words), or "" to keep waiting."""
        self.pending += delta
        cut = max(self.pending.rfind(" "), self.pending.rfind("\n"))
        if cut <= 0 or len(self.pending[:cut].split()) < self.words:
            return ""
        ready, self.pending = self.pending[:cut], self.pending[cut:]
        return ready

    def flush(self) -> str:
        rest, self.pending = self.pending, ""
        return rest


async def buffered(demo: Demo) -> AsyncIterator[DemoEvent]:
    """The same stream shown raw (every delta) and word-buffered (whole words only)."""
    agent = Agent(name="Assistant", instructions=demo.instructions(INSTRUCTIONS), model=demo.model)
    buffer = WordBuffer(words=demo.options.buffer_words)
    result = Runner.run_streamed(agent, demo.prompt)
    try:
        async for event in result.stream_events():
            if event.type == "raw_response_event" and isinstance(
                event.data, ResponseTextDeltaEvent
            ):
                yield Text(channel="raw", delta=event.data.delta)
                if ready := buffer.add(event.data.delta):
                    yield Text(channel="buffered", delta=ready)
    finally:
        result.cancel()
    if rest := buffer.flush():
        yield Text(channel="buffered", delta=rest)
    yield Final(output=result.final_output)


async def fallback(demo: Demo) -> AsyncIterator[DemoEvent]:
    """The stream fails part way; Runner.run answers instead, and repeats the tool call."""
    receipts: list[str] = []

    @function_tool
    def send_receipt(email: str) -> str:
        """Email the customer a receipt for the order.

        Args:
            email: Where to send the receipt.
        """
        receipts.append(email)  # the side effect: in real life, an email goes out
        return f"receipt #{len(receipts)} sent to {email}"

    def cashier(model: Model) -> Agent:  # the same agent, on the model it is given
        return Agent(
            name="Cashier",
            instructions=demo.instructions("Send the receipt, then confirm the order."),
            model=model,
            tools=[send_receipt],
        )

    failing = cashier(demo.failing_model(after_tokens=demo.options.fail_after))
    result = Runner.run_streamed(failing, demo.prompt)
    try:
        async for event in result.stream_events():
            if event.type == "run_item_stream_event":
                yield describe(event)
            elif event.type == "raw_response_event" and isinstance(
                event.data, ResponseTextDeltaEvent
            ):
                yield Text(channel="stream", delta=event.data.delta)
    except Exception as error:  # the model failed after the stream had started
        yield Note(text=f"The stream failed: {error}", tone="error", channel="stream")
    else:
        yield Final(output=result.final_output)
        return
    finally:
        result.cancel()

    yield Note(text="Falling back to Runner.run (not streamed) with the same input.")
    answer = await Runner.run(cashier(demo.model), demo.prompt)
    yield Text(channel="fallback", delta=answer.final_output)
    yield Note(
        text=f"send_receipt ran {len(receipts)} times for one order: the fallback ran the "
        "whole agent again, tool call and side effect included.",
        tone="warning",
    )
    yield Final(output=answer.final_output)


async def timeout(demo: Demo) -> AsyncIterator[DemoEvent]:
    """A deadline for the whole stream: on timeout, cancel the run and keep the partial text."""
    agent = Agent(name="Assistant", instructions=demo.instructions(INSTRUCTIONS), model=demo.model)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + demo.options.timeout_s
    received = ""
    result = Runner.run_streamed(agent, demo.prompt)
    events = result.stream_events()
    try:
        while True:
            try:
                # Wait for each event with what is left of the time budget.
                event = await asyncio.wait_for(anext(events), deadline - loop.time())
            except StopAsyncIteration:
                break
            except TimeoutError:
                yield Note(
                    text=f"Timed out after {demo.options.timeout_s:g} s: run cancelled, "
                    f"{len(received)} characters kept.",
                    tone="warning",
                )
                break
            if event.type == "raw_response_event" and isinstance(
                event.data, ResponseTextDeltaEvent
            ):
                received += event.data.delta
                yield Text(delta=event.data.delta)
    finally:
        result.cancel()
    yield Final(output=result.final_output if result.final_output is not None else received)


async def cancellable(demo: Demo) -> AsyncIterator[DemoEvent]:
    """A long stream to stop: Stop (or closing the tab) cancels this task, and the run."""
    agent = Agent(name="Assistant", instructions=demo.instructions(INSTRUCTIONS), model=demo.model)
    chunks = 0
    result = Runner.run_streamed(agent, demo.prompt)
    try:
        async for event in result.stream_events():
            if event.type == "raw_response_event" and isinstance(
                event.data, ResponseTextDeltaEvent
            ):
                chunks += 1
                yield Text(delta=event.data.delta)
    except asyncio.CancelledError:
        logger.info("Stopped after %d chunks; cancelling the run", chunks)
        raise  # never swallow a cancellation: whoever cancelled us is waiting for it
    finally:
        result.cancel()  # stops the model: no more tokens are generated (or paid for)
    yield Final(output=result.final_output)


async def concurrent(demo: Demo) -> AsyncIterator[DemoEvent]:
    """Three streams at once, each event tagged with the stream it came from."""
    styles = {
        "A": ("Answer for a beginner.", "short"),
        "B": ("Answer for a developer.", "medium"),
        "C": ("Answer for an architect.", "long"),
    }

    async def one_stream(tag: str, style: str, length: str) -> AsyncIterator[DemoEvent]:
        agent = Agent(
            name=f"Stream {tag}",
            instructions=demo.instructions(style, length=length),
            model=demo.model,
        )
        result = Runner.run_streamed(agent, demo.prompt)
        try:
            async for event in result.stream_events():
                if event.type == "raw_response_event" and isinstance(
                    event.data, ResponseTextDeltaEvent
                ):
                    yield Text(channel=tag, delta=event.data.delta)
                else:
                    yield describe(event, channel=tag)  # the log says which stream it is from
        finally:
            result.cancel()
        yield Note(text=f"Stream {tag} finished.", channel=tag, tone="success")

    streams = [one_stream(tag, style, length) for tag, (style, length) in styles.items()]
    async with aclosing(merge(*streams)) as events:  # leaving early cancels all three
        async for event in events:
            yield event
    yield Final(output="Three streams finished.")


async def circuit_breaker(demo: Demo) -> AsyncIterator[DemoEvent]:
    """Failing streams open the breaker; while it is open, runs go straight to the fallback."""
    breaker: CircuitBreaker = demo.breaker

    def assistant(model: Model) -> Agent:
        return Agent(name="Assistant", instructions=demo.instructions(INSTRUCTIONS), model=model)

    answer: RunResultBase | None = None
    for attempt in range(1, demo.options.attempts + 1):
        if not await breaker.allow():
            state = await breaker.state()
            yield Note(text=f"Attempt {attempt}: breaker {state.summary}.", tone="warning")
            answer = await Runner.run(assistant(demo.model), demo.prompt)
            yield Text(channel="fallback", delta=f"[{attempt}] {answer.final_output}\n")
            continue
        failing = assistant(demo.failing_model(after_tokens=demo.options.fail_after))
        result = Runner.run_streamed(failing, demo.prompt)
        label = ("\n" if attempt > 1 else "") + f"[{attempt}] "  # goes with the first token
        try:
            async for event in result.stream_events():
                if event.type == "raw_response_event" and isinstance(
                    event.data, ResponseTextDeltaEvent
                ):
                    yield Text(channel="stream", delta=label + event.data.delta)
                    label = ""
            await breaker.record_success()
            answer = result
        except Exception as error:
            state = await breaker.record_failure()
            yield Note(
                text=f"Attempt {attempt} failed ({type(error).__name__}): breaker {state.summary}.",
                tone="error",
            )
        finally:
            result.cancel()
    yield Final(output=answer.final_output if answer is not None else "No answer.")


async def metrics(demo: Demo) -> AsyncIterator[DemoEvent]:
    """The seed's performance monitoring: time to first chunk, total time, chunks, events."""
    agent = Agent(name="Assistant", instructions=demo.instructions(INSTRUCTIONS), model=demo.model)
    start_time = time.perf_counter()
    first_chunk_time = None
    chunk_count = 0
    events_by_type: Counter[str] = Counter()
    result = Runner.run_streamed(agent, demo.prompt)
    try:
        async for event in result.stream_events():
            events_by_type[event.type] += 1
            # Count text deltas only: the other raw events are not chunks of the reply.
            if event.type == "raw_response_event" and isinstance(
                event.data, ResponseTextDeltaEvent
            ):
                if first_chunk_time is None:
                    first_chunk_time = time.perf_counter() - start_time
                chunk_count += 1
                yield Text(delta=event.data.delta)
    finally:
        result.cancel()
    total_time = time.perf_counter() - start_time
    if first_chunk_time is not None:
        yield Note(text=f"Time to first chunk: {first_chunk_time:.3f} s")
        rate = (chunk_count - 1) / max(total_time - first_chunk_time, 1e-9)
        yield Note(text=f"Chunks: {chunk_count}, {rate:.1f} per second after the first")
    yield Note(text=f"Total time: {total_time:.3f} s")
    counts = ", ".join(f"{name}: {count}" for name, count in events_by_type.items())
    yield Note(text=f"Events: {counts}", tone="success")
    yield Final(output=result.final_output)


PRESETS = (
    Preset(
        name="buffered",
        title="Buffered vs raw",
        summary="The same stream twice: raw deltas as they come, and a word buffer that only "
        "shows whole words.",
        demo=buffered,
        prompt="Why would a page buffer streamed text into whole words?",
        fields=("length", "buffer_words"),
        channels=(
            Channel("raw", "Raw: every delta"),
            Channel("buffered", "Word-buffered: whole words only"),
        ),
        helpers=(WordBuffer,),
    ),
    Preset(
        name="fallback",
        title="Failure and fallback",
        summary="The model fails mid-stream: an error event, then a fallback to Runner.run. The "
        "fallback repeats the whole run, including a tool's side effect.",
        demo=fallback,
        prompt="Confirm my order of the Pro plan and email the receipt to ada@example.com.",
        options=DemoOptions(fail_after=10),
        fields=("length", "fail_after"),
        channels=(
            Channel("stream", "Streamed attempt (fails part way)"),
            Channel("fallback", "Fallback: Runner.run"),
        ),
    ),
    Preset(
        name="timeout",
        title="Timeout",
        summary="A time budget for the whole stream: when it runs out, the run is cancelled and "
        "the partial text kept.",
        demo=timeout,
        prompt="Write a long explanation of streaming timeouts.",
        options=DemoOptions(length="long", timeout_s=1.5),
        fields=("length", "timeout_s"),
    ),
    Preset(
        name="cancel",
        title="Cancel with Stop",
        summary="A long stream to interrupt: Stop closes the stream, and the server cancels the "
        "SDK run at once.",
        demo=cancellable,
        prompt="Tell me everything about cancelling streamed runs.",
        options=DemoOptions(length="long"),
    ),
    Preset(
        name="concurrent",
        title="Three concurrent streams",
        summary="Three streams in one page at the same time, every event tagged with its stream.",
        demo=concurrent,
        prompt="What is streaming good for?",
        fields=(),
        channels=(
            Channel("A", "Stream A (short)"),
            Channel("B", "Stream B (medium)"),
            Channel("C", "Stream C (long)"),
        ),
        helpers=(merge,),
    ),
    Preset(
        name="circuit-breaker",
        title="Circuit breaker",
        summary="Failing streams open the breaker; while it is open, runs go straight to the "
        "fallback. Run it twice: the breaker remembers.",
        demo=circuit_breaker,
        prompt="Give me a one-line status update.",
        options=DemoOptions(length="short", fail_after=5, attempts=5),
        fields=("attempts", "fail_after"),
        channels=(
            Channel("stream", "Streamed attempts"),
            Channel("fallback", "Fallback: Runner.run"),
        ),
        helpers=(CircuitBreaker,),
    ),
    Preset(
        name="metrics",
        title="Metrics",
        summary="Time to first chunk, total time, chunks per second and events by type, "
        "measured as in the seed's monitoring code.",
        demo=metrics,
        prompt="How do you know a stream is healthy?",
    ),
)
