"""Markdown for question content: CommonMark with raw HTML disabled and code highlighted.

Bank content is written by instructors but still treated as untrusted: HTML in it is shown as
text, links with script schemes are dropped, and code blocks go through Pygments.
"""

from __future__ import annotations

from functools import lru_cache

from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

_FORMATTER = HtmlFormatter(nowrap=True)


def _highlight(code: str, language: str, _attrs: str) -> str:
    try:
        lexer = get_lexer_by_name(language or "python")
    except ClassNotFound:
        lexer = get_lexer_by_name("text")
    # Starting with "<pre" tells markdown-it the block is complete; anything else it wraps in a
    # second <pre><code>, which shows as blank lines around the code.
    # tabindex: a code block wider than the page scrolls, and keyboard users must reach it.
    body = highlight(code, lexer, _FORMATTER)
    return f'<pre class="highlight" tabindex="0"><code>{body}</code></pre>\n'


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "highlight": _highlight}).enable("table")


@lru_cache(maxsize=4096)
def _render(text: str) -> str:
    return _parser().render(text)


def render_markdown(text: str) -> SafeString:
    """HTML for `text`; safe to put in a page because the parser never passes HTML through."""
    return mark_safe(_render(text or ""))


def render_inline_markdown(text: str) -> SafeString:
    """Like render_markdown, for one-line content such as a choice (no wrapping paragraph)."""
    return mark_safe(_parser().renderInline(text or ""))


def pygments_css() -> str:
    return HtmlFormatter(style="default").get_style_defs(".highlight")
