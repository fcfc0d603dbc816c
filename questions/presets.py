"""The question bank's answer to the lessons: which demo presets a learner may see and run.

Every generated item links to its own scenario's preset, which shows its program running: the
item's answer. An item that must stay unseen (an exam item) must keep its preset out of reach,
so the lessons ask here (settings.LESSONS_PRESET_ACCESS) before they list, show or run a preset.
Today the bank has no exam pool, so every preset is open.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser


def presets_visible(
    *, user: AbstractBaseUser | AnonymousUser, lesson: str, presets: Sequence[str]
) -> Collection[str]:
    """The presets among `presets` (of the lesson `lesson`) that `user` may see and run."""
    return frozenset(presets)
