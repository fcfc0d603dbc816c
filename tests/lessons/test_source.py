"""The code a lesson page shows is read from the module that runs it, highlighted."""

from __future__ import annotations

import inspect

from lessons.demos.streaming_patterns import WordBuffer, buffered
from lessons.source import source_of


def test_a_function_shows_its_own_source_file_and_line() -> None:
    source = source_of(buffered)
    assert source.name == "buffered"
    assert source.path == "lessons/demos/streaming_patterns.py"
    assert source.line == inspect.getsourcelines(buffered)[1]
    assert '<div class="highlight">' in source.html
    assert '<span class="nf">buffered</span>' in source.html


def test_a_class_shows_too_and_each_source_is_read_once() -> None:
    assert source_of(WordBuffer).name == "WordBuffer"
    assert source_of(WordBuffer) is source_of(WordBuffer)


def test_code_from_outside_the_project_shows_its_file_name_only() -> None:
    assert source_of(inspect.getsourcelines).path == "inspect.py"
