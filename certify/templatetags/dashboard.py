"""Links the dashboard builds from plain data: lessons with a demo preset."""

from __future__ import annotations

from django import template
from django.urls import reverse

from questions.screens import demo_url

register = template.Library()


@register.simple_tag
def lesson_url(lesson_slug: str, preset: str = "") -> str:
    """/lessons/<slug>/?preset=<preset> (the lessons' contract); without a preset, the lesson."""
    if preset:
        return demo_url(lesson_slug, preset)
    return f"{reverse('lessons:index')}{lesson_slug}/"
