"""Scenarios: parameterised demos whose code runs exactly as a reader sees it.

A scenario is a small program (an agent, its tools, handoffs or guardrails, and a consumer loop
that prints what it sees) with knobs: its shapes, which change what happens (the tools it has,
where the loop breaks, whether the model writes a preamble...), and its themes, which change only
the names and words. A variant is one shape in one theme; it is streamable in its lesson page
as the preset `<scenario>__<shape>__<theme>`, and it can be run on a virtual clock to say what
it does (lessons.scenarios.program), the same every time.

Scenarios always run on the offline model (scripted: a scenario states what its model does),
whatever backend the lessons are configured with.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from lessons.scenarios.program import Outcome, Program, program_outcome

SEPARATOR = "__"
KEY = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
PRESET_MAX_LENGTH = 64


@dataclass(frozen=True)
class Shape:
    """What happens: a few knob values, under a short key (part of the preset name)."""

    key: str
    values: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not KEY.fullmatch(self.key):
            raise ValueError(f"A shape key is lowercase words and hyphens: {self.key!r}.")
        object.__setattr__(self, "values", MappingProxyType(dict(self.values)))

    def __getitem__(self, name: str) -> Any:
        return self.values[name]


@dataclass(frozen=True)
class Theme:
    """What things are called: agent, tool and argument names, the user's words."""

    key: str
    words: Mapping[str, str]

    def __post_init__(self) -> None:
        if not KEY.fullmatch(self.key):
            raise ValueError(f"A theme key is lowercase words and hyphens: {self.key!r}.")
        object.__setattr__(self, "words", MappingProxyType(dict(self.words)))

    def __getitem__(self, name: str) -> str:
        return self.words[name]


@dataclass(frozen=True)
class Scenario:
    """A parameterised demo: `build` renders the program of one shape in one theme."""

    slug: str
    lesson: str
    title: str
    summary: str
    shapes: tuple[Shape, ...]
    themes: tuple[Theme, ...]
    build: Callable[[Shape, Theme], Program]

    def __post_init__(self) -> None:
        if not KEY.fullmatch(self.slug):
            raise ValueError(f"A scenario slug is lowercase words and hyphens: {self.slug!r}.")
        for kind, keys in (
            ("shape", [s.key for s in self.shapes]),
            ("theme", [t.key for t in self.themes]),
        ):
            if len(set(keys)) != len(keys):
                raise ValueError(f"{self.slug}: two {kind}s share a key.")

    def variant(self, shape: Shape, theme: Theme) -> Variant:
        return Variant(self, shape, theme)

    def variants(self) -> Iterator[Variant]:
        for shape in self.shapes:
            for theme in self.themes:
                yield Variant(self, shape, theme)

    def shape(self, key: str) -> Shape | None:
        return next((shape for shape in self.shapes if shape.key == key), None)

    def theme(self, key: str) -> Theme | None:
        return next((theme for theme in self.themes if theme.key == key), None)


@dataclass(frozen=True)
class Variant:
    """One shape of a scenario in one theme: a preset of the scenario's lesson."""

    scenario: Scenario
    shape: Shape
    theme: Theme

    @property
    def preset(self) -> str:
        return SEPARATOR.join((self.scenario.slug, self.shape.key, self.theme.key))

    @property
    def shape_name(self) -> str:
        """The variant without its theme: variants with the same shape_name do the same."""
        return SEPARATOR.join((self.scenario.slug, self.shape.key))

    @property
    def lesson(self) -> str:
        return self.scenario.lesson

    def program(self) -> Program:
        return self.scenario.build(self.shape, self.theme)

    def outcome(self) -> Outcome:
        """Run the program on a virtual clock and say what it did (call with no running loop)."""
        return program_outcome(self.program())

    def unthemed(self, text: str) -> str:
        """`text` with the theme's words replaced by their names ({tool1}...): what two
        variants of one shape in different themes have in common."""
        for name, word in sorted(self.theme.words.items(), key=lambda item: -len(item[1])):
            text = text.replace(word, f"{{{name}}}")
        return text


def split_preset(name: str) -> tuple[str, str, str] | None:
    """(scenario, shape, theme) of a scenario preset name, or None if it is not one."""
    parts = name.split(SEPARATOR)
    if len(parts) != 3 or not all(KEY.fullmatch(part) for part in parts):
        return None
    return parts[0], parts[1], parts[2]


__all__ = ["Outcome", "Program", "Scenario", "Shape", "Theme", "Variant", "split_preset"]
