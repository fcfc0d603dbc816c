"""The question bank's answer to the lessons: which demo presets a learner may see and run.

Every item links to a live demo preset that shows its fact happening, and a generated item's
preset streams its very scenario: its answer. The lessons ask here (settings.LESSONS_PRESET_ACCESS)
before they list, show or run a preset. A preset that only secure items link to (exam-pool items
and items in pretest, never shown to a learner with their key) is out of a learner's reach; a
preset a practice item links to stays open (practice shows it anyway). Instructors (staff) see
every preset.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser

from questions.models import Question


def presets_visible(
    *, user: AbstractBaseUser | AnonymousUser, lesson: str, presets: Sequence[str]
) -> Collection[str]:
    """The presets among `presets` (of the lesson `lesson`) that `user` may see and run (one
    query)."""
    if getattr(user, "is_staff", False):
        return frozenset(presets)
    rows = Question.objects.filter(demo_lesson=lesson, demo_preset__in=presets).values_list(
        "demo_preset", "pool", "pretest"
    )
    secret: set[str] = set()
    shown: set[str] = set()
    for preset, pool, pretest in rows:
        (secret if pool == Question.Pool.EXAM or pretest else shown).add(preset)
    return frozenset(presets) - (secret - shown)
