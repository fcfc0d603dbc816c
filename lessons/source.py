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


@lru_cache(maxsize=64)
def source_of(obj: object) -> Source:
    """The highlighted source of a function or class, read from the file that defines it."""
    lines, line = inspect.getsourcelines(obj)  # type: ignore[arg-type]
    path = Path(inspect.getsourcefile(obj) or "")  # type: ignore[arg-type]
    try:
        shown = str(path.relative_to(settings.BASE_DIR))
    except ValueError:
        shown = path.name
    code = textwrap.dedent("".join(lines))
    return Source(
        name=getattr(obj, "__qualname__", repr(obj)),
        path=shown,
        line=line,
        # Pygments escapes the code it highlights; it is our own source in any case.
        html=mark_safe(highlight(code, PythonLexer(), _FORMATTER)),
    )
