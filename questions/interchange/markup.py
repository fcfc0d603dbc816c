"""Question text between the bank's Markdown and the HTML or plain text other systems write.

The bank holds Markdown and shows it with raw HTML disabled, so HTML from a file is converted
(markdownify), never passed through; images and media, which point into the other system's
file store, are left out and counted so the import can say so.
"""

from __future__ import annotations

import re
from functools import lru_cache

from markdown_it import MarkdownIt
from markdownify import MarkdownConverter

# Moodle's text formats (Moodle XML's format attribute, GIFT's [name] prefix).
MOODLE_FORMATS = {
    "html": "html",
    "moodle_auto_format": "moodle",
    "moodle": "moodle",
    "plain_text": "plain",
    "plain": "plain",
    "markdown": "markdown",
}

_MEDIA = re.compile(r"<(img|audio|video|object|embed|source)\b", re.IGNORECASE)
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|])")
_BLANK_LINES = re.compile(r"\n{3,}")


class _Converter(MarkdownConverter):
    """markdownify with fenced code blocks and without the media a bank cannot hold."""

    def convert_img(self, el: object, text: str, parent_tags: set[str]) -> str:
        return ""


@lru_cache(maxsize=1)
def _converter() -> _Converter:
    return _Converter(
        heading_style="ATX",
        bullets="-",
        code_language="",
        strip=["audio", "video", "object", "embed", "source", "script", "style"],
        escape_misc=False,
    )


def media_count(html: str) -> int:
    return len(_MEDIA.findall(html))


def markdown_from_html(html: str) -> str:
    text = _converter().convert(html)
    return _BLANK_LINES.sub("\n\n", text).strip()


def markdown_from_plain(text: str) -> str:
    """Plain text as Markdown that shows the same characters (line breaks kept)."""
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", text.strip())
    return escaped.replace("\n", "  \n")


def markdown_from(text: str, text_format: str) -> str:
    """Markdown for a text in one of Moodle's formats (an unknown format is read as HTML)."""
    kind = MOODLE_FORMATS.get(text_format, "html")
    if kind == "markdown":
        return text.strip()
    if kind == "plain":
        return markdown_from_plain(text)
    if kind == "moodle" and "<" not in text:
        # Moodle's auto-format: plain text whose line breaks show.
        return markdown_from_plain(text)
    return markdown_from_html(text if kind == "html" else text.replace("\n", "<br>\n"))


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    # The same CommonMark the pages use (questions/markdown.py), without Django or highlighting.
    return MarkdownIt("commonmark", {"html": False}).enable("table")


def html_from_markdown(text: str) -> str:
    return _markdown().render(text).strip()


def same_html(first: str, second: str) -> bool:
    """Whether two HTML texts are the same but for whitespace between tags and at the ends."""

    def squeeze(html: str) -> str:
        return re.sub(r">\s+<", "><", html.strip())

    return squeeze(first) == squeeze(second)
