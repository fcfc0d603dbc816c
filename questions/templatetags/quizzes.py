"""Filters for quiz pages: clocks, durations and percentages written the way people read them."""

from __future__ import annotations

from datetime import timedelta

from django import template

register = template.Library()


@register.filter
def clock(seconds: int) -> str:
    """2712 -> "45:12"; 3725 -> "1:02:05" (what a countdown shows)."""
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@register.filter
def duration(value: timedelta | None) -> str:
    """timedelta(minutes=23, seconds=5) -> "23 min 5 s"; one hour -> "1 h"."""
    if value is None:
        return ""
    total = max(0, int(value.total_seconds()))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{hours} h" if hours else "", f"{minutes} min" if minutes else ""]
    parts.append(f"{secs} s" if secs or not (hours or minutes) else "")
    return " ".join(part for part in parts if part)


@register.filter
def percent(value: float | int | None) -> str:
    """85.0 -> "85%"; 84.6 -> "84.6%" (scores are rounded down before they get here)."""
    if value is None:
        return ""
    number = float(value)
    return f"{number:.0f}%" if number.is_integer() else f"{number:.1f}%"


@register.filter
def points(value: float) -> str:
    """5.0 -> "5 points"; 0.4 -> "0.4 points"; 1.0 -> "1 point"."""
    number = float(value)
    text = f"{number:.0f}" if number.is_integer() else f"{number:.1f}"
    return f"{text} point" if number == 1 else f"{text} points"
