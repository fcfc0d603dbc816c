"""The five lessons of the course, one per seed file 01 to 05.

Each lesson is tied to one question category (by the same order as DESIGN.md); the slugs are part
of the public URLs (`/lessons/<slug>/`) and of every question's demo link, so they never change.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Lesson:
    number: int
    slug: str
    title: str
    category: str
    summary: str

    @property
    def label(self) -> str:
        return f"{self.number:02d} · {self.title}"


LESSONS: tuple[Lesson, ...] = (
    Lesson(
        1,
        "basic-streaming",
        "Basic streaming",
        "basics",
        "Runner.run versus Runner.run_streamed: when the first visible output arrives, "
        "what stream_events() yields and what the result holds at the end.",
    ),
    Lesson(
        2,
        "raw-response-events",
        "Raw response events",
        "raw-events",
        "Token-by-token text from ResponseTextDeltaEvent, every raw event type as it "
        "arrives, and the timing of the first token.",
    ),
    Lesson(
        3,
        "run-item-events",
        "Run item events",
        "run-items",
        "The higher-level events: tool calls, tool outputs and messages as run items, and "
        "ItemHelpers to read them.",
    ),
    Lesson(
        4,
        "streaming-with-handoffs",
        "Streaming with handoffs",
        "tools-handoffs",
        "A triage agent handing off to specialists: handoff events and the active agent "
        "changing in the stream.",
    ),
    Lesson(
        5,
        "streaming-patterns",
        "Production patterns",
        "production",
        "Buffered output, fallbacks, timeouts, cancellation, concurrent streams, a circuit "
        "breaker and the metrics that watch them.",
    ),
)

LESSONS_BY_SLUG: dict[str, Lesson] = {lesson.slug: lesson for lesson in LESSONS}
