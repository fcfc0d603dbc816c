"""The source of the code that runs, highlighted for the lesson page."""

from __future__ import annotations

import inspect
import textwrap
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.utils.safestring import SafeString, mark_safe
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import PythonLexer

_FORMATTER = HtmlFormatter(cssclass="highlight", wrapcode=True)


@dataclass(frozen=True)
class Source:
    name: str
    path: str
    line: int
    html: SafeString


def _shown_path(path: Path) -> str:
    try:
        return str(path.relative_to(settings.BASE_DIR))
    except ValueError:
        return path.name


def _highlighted(code: str) -> SafeString:
    # Pygments escapes the code it highlights; it is our own source in any case.
    return mark_safe(highlight(code, PythonLexer(), _FORMATTER))


@lru_cache(maxsize=64)
def source_of(obj: object) -> Source:
    """The highlighted source of a function or class, read from the file that defines it."""
    lines, line = inspect.getsourcelines(obj)  # type: ignore[arg-type]
    path = Path(inspect.getsourcefile(obj) or "")  # type: ignore[arg-type]
    return Source(
        name=getattr(obj, "__qualname__", repr(obj)),
        path=_shown_path(path),
        line=line,
        html=_highlighted(textwrap.dedent("".join(lines))),
    )


@lru_cache(maxsize=256)
def source_of_program(name: str, code: str, renderer: object) -> Source:
    """A rendered program (a scenario's), highlighted; `renderer` is the function that wrote it,
    named with its file and line so the page says where the program comes from."""
    _lines, line = inspect.getsourcelines(renderer)  # type: ignore[arg-type]
    path = Path(inspect.getsourcefile(renderer) or "")  # type: ignore[arg-type]
    return Source(name=name, path=_shown_path(path), line=line, html=_highlighted(code))
