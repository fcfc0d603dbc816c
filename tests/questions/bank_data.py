"""Small bank files for the loader, command and admin tests (the real bank is content's)."""

from __future__ import annotations

import copy
from typing import Any

import yaml

from lessons.catalog import LESSONS

CATEGORY_NAMES = {
    "basics": "Basic Streaming Concepts",
    "raw-events": "Raw Response Events",
    "run-items": "Run Item Events & Agent Events",
    "tools-handoffs": "Streaming with Tools & Handoffs",
    "production": "Production Patterns & Best Practices",
}


def categories() -> list[dict[str, Any]]:
    return [
        {
            "slug": lesson.category,
            "name": CATEGORY_NAMES[lesson.category],
            "order": lesson.number,
            "lesson": lesson.slug,
            "description": f"What lesson {lesson.number:02d} teaches.",
        }
        for lesson in LESSONS
    ]


def question(question_id: str = "basics-01", **overrides: Any) -> dict[str, Any]:
    """A valid single-choice question entry, with `overrides` applied."""
    entry: dict[str, Any] = {
        "id": question_id,
        "category": question_id.rsplit("-", 1)[0],
        "level": "beginner",
        "kind": "single",
        "style": "concept",
        "topic": "run_streamed vs run",
        "objective": "streaming-vs-regular",
        "status": "active",
        "prompt": (
            "Which call streams?\n\n```python\nresult = Runner.run_streamed(agent, 'hi')\n```\n"
        ),
        "choices": [
            {"text": "`Runner.run_streamed()`", "correct": True, "rationale": "It streams."},
            {"text": "`Runner.run()`", "correct": False, "rationale": "It waits for the end."},
            {"text": "`Runner.run_sync()`", "correct": False, "rationale": "It blocks."},
        ],
        "explanation": "Only `run_streamed` returns before the run ends.\n",
        "evidence_kind": "test",
        "evidence": f"tests/questions/test_evidence.py::test_{question_id.replace('-', '_')}",
        "demo": {"lesson": "basic-streaming", "preset": "side-by-side"},
    }
    entry.update(overrides)
    return entry


def questions() -> list[dict[str, Any]]:
    """One question of each kind and evidence kind, with and without explicit parameters."""
    return [
        question("basics-01"),
        question(
            "raw-events-01",
            level="intermediate",
            kind="multiple",
            style="code",
            objective="raw-events",
            choices=[
                {"text": "`response.created`", "correct": True, "rationale": "First."},
                {"text": "`response.output_text.delta`", "correct": True, "rationale": "Text."},
                {"text": "`run_item_stream_event`", "correct": False, "rationale": "Not raw."},
            ],
            demo={"lesson": "raw-response-events", "preset": "all-raw-events"},
        ),
        question(
            "run-items-01",
            level="advanced",
            kind="true_false",
            objective="tool-events",
            sdk_version="0.24.1",
            choices=[
                {"text": "True", "correct": False, "rationale": "The output comes after."},
                {"text": "False", "correct": True, "rationale": "tool_called comes first."},
            ],
            demo={"lesson": "run-item-events", "preset": "tool-call"},
            params={"a": 1.5, "b": 2.0, "c": 0.1},
        ),
        question(
            "production-01",
            level="advanced",
            style="judgement",
            objective="circuit-breakers",
            evidence_kind="judgement",
            evidence="",
            demo={"lesson": "streaming-patterns", "preset": "circuit-breaker"},
        ),
        question(
            "tools-handoffs-01",
            level="intermediate",
            objective="tool-events",
            evidence_kind="measurement",
            evidence="The triage demo's event log: handoff_requested before agent_updated.",
            demo={"lesson": "streaming-with-handoffs", "preset": "triage"},
        ),
    ]


def bank(question_entries: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "sdk_version": "0.24.0",
        "categories": categories(),
        "questions": copy.deepcopy(questions() if question_entries is None else question_entries),
    }


def dump(data: dict[str, Any]) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
