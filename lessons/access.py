"""Which presets a learner may see and run: a question the lessons ask the project.

Some presets must not be open to everyone at every moment (the scenario behind an exam item,
during an exam). The lessons know nothing of exams or questions, so they ask: the setting
`LESSONS_PRESET_ACCESS` names a function `(*, user, lesson, presets) -> Collection[str]` that
returns which of `presets` (names of one lesson's presets) `user` may see and run. A preset it
leaves out is neither listed nor shown nor run: its link answers as an unknown preset does.
Without the setting, every preset is open.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.utils.module_loading import import_string

User = AbstractBaseUser | AnonymousUser


def presets_allowed(*, user: User, lesson: str, presets: Iterable[str]) -> frozenset[str]:
    """The names among `presets` that `user` may see and run."""
    names = tuple(presets)
    path = getattr(settings, "LESSONS_PRESET_ACCESS", "")
    if not path:
        return frozenset(names)
    allowed: Collection[str] = import_string(path)(user=user, lesson=lesson, presets=names)
    return frozenset(names) & frozenset(allowed)


def preset_allowed(*, user: User, lesson: str, preset: str) -> bool:
    return preset in presets_allowed(user=user, lesson=lesson, presets=(preset,))
