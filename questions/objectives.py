"""The course's learning objectives (the seed's beginner, intermediate and advanced lists).

Every question serves exactly one objective; the dashboard ticks an objective from the learner's
recent right answers to its questions. The keys are stored in the bank file and the database.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Objective:
    key: str
    level: str
    text: str


OBJECTIVES: tuple[Objective, ...] = (
    Objective(
        "streaming-vs-regular",
        "beginner",
        "Understand the difference between regular and streaming execution",
    ),
    Objective("run-streamed-api", "beginner", "Use Runner.run_streamed() and stream_events()"),
    Objective("raw-events", "beginner", "Process raw response events for token-by-token streaming"),
    Objective("event-types", "beginner", "Handle basic event types and their properties"),
    Objective("when-to-stream", "beginner", "Know when to use streaming vs regular execution"),
    Objective(
        "production-patterns", "intermediate", "Implement production-ready streaming patterns"
    ),
    Objective(
        "errors-fallbacks", "intermediate", "Handle errors and implement fallback strategies"
    ),
    Objective(
        "performance-metrics", "intermediate", "Optimize streaming performance and measure metrics"
    ),
    Objective("tool-events", "intermediate", "Process complex event types and tool interactions"),
    Objective("concurrent-streams", "intermediate", "Coordinate multiple concurrent streams"),
    Objective("architecture", "advanced", "Design enterprise-scale streaming architectures"),
    Objective("custom-processors", "advanced", "Implement custom streaming event processors"),
    Objective("high-concurrency", "advanced", "Optimize for high-concurrency scenarios"),
    Objective(
        "circuit-breakers", "advanced", "Build resilient streaming systems with circuit breakers"
    ),
    Objective("observability", "advanced", "Implement comprehensive observability"),
)

OBJECTIVES_BY_KEY: dict[str, Objective] = {objective.key: objective for objective in OBJECTIVES}
