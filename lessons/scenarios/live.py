"""A scenario variant in its lesson page: a preset that streams the very program the variant is.

The page shows the program's code, runs it (always on the offline model, scripted as the
scenario says), and streams what it prints as the text panel and the events its consumer loop
gets as the event log. A timed scenario runs at the pace its outcome was derived at; the others
at the configured offline pace.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from functools import lru_cache

from agents.stream_events import StreamEvent

from lessons.demos import Channel, Demo, Preset, describe
from lessons.events import MAIN, AgentChange, DemoEvent, Final, Note, Text
from lessons.scenarios import Variant
from lessons.scenarios.program import Program, Recorder, program_run
from lessons.scenarios.registry import variant_for
from lessons.source import Source, source_of_program

CHANNELS = (Channel(MAIN, "What the program prints"),)


def _events_of(event: StreamEvent) -> list[DemoEvent]:
    shown: list[DemoEvent] = [describe(event)]
    if event.type == "agent_updated_stream_event":
        shown.insert(0, AgentChange(name=event.new_agent.name))
    return shown


async def stream_program(program: Program, demo: Demo) -> AsyncIterator[DemoEvent]:
    """Run the program, yielding what it prints and the events it sees as they happen."""
    queue: asyncio.Queue[DemoEvent | None] = asyncio.Queue()

    def on_event(event: StreamEvent) -> None:
        for shown in _events_of(event):
            queue.put_nowait(shown)

    recorder = Recorder(on_print=lambda text: queue.put_nowait(Text(delta=text)), on_event=on_event)
    pacing = program.pacing or demo.pacing
    task = asyncio.create_task(program_run(program, pacing=pacing, recorder=recorder))
    task.add_done_callback(lambda _task: queue.put_nowait(None))
    try:
        while (shown := await queue.get()) is not None:
            yield shown
        raised = task.result()
        if raised:
            yield Note(text=f"The program raised {raised}", tone="warning")
        else:
            yield Note(text="The program returned.", tone="success")
        # The last streamed run's final output, as the page's result panel says.
        final = recorder.results[-1].final_output if recorder.results else None
        yield Final(output=str(final))
    finally:
        # A closed page or Stop: the program is cancelled, and so are its SDK runs.
        if not task.done():
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        recorder.cancel_runs()


def _demo_for(variant: Variant) -> object:
    async def scenario(demo: Demo) -> AsyncIterator[DemoEvent]:
        async for shown in stream_program(variant.program(), demo):
            yield shown

    scenario.__qualname__ = variant.preset
    return scenario


def program_source(lesson: str, name: str) -> Source | None:
    """The program of a scenario preset as the page shows it, named after its renderer."""
    variant = variant_for(lesson, name)
    if variant is None:
        return None
    return source_of_program("program", variant.program().code, variant.scenario.build)


@lru_cache(maxsize=512)
def scenario_preset(lesson: str, name: str) -> Preset | None:
    """The preset of a scenario variant, or None if `name` names no variant of this lesson."""
    variant = variant_for(lesson, name)
    if variant is None:
        return None
    program = variant.program()
    return Preset(
        name=variant.preset,
        title=variant.scenario.title,
        summary=f"{variant.scenario.summary} {program.premise}",
        demo=_demo_for(variant),  # type: ignore[arg-type]  # an async generator function
        prompt=program.input,
        fields=(),
        channels=CHANNELS,
        agents=program.agents,
        code=program.code,
    )
