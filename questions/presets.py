"""The question bank's answer to the lessons: which demo presets a learner may see and run.

A generated item links to its own scenario's preset (a variant of its lesson's scenario), which
streams its very program: its answer. The lessons ask here (settings.LESSONS_PRESET_ACCESS)
before they list, show or run a preset. A scenario preset that only secure items link to (items
of the exam pool or in pretest, never shown to a learner with their key) is out of a learner's
reach; one a practice item links to stays open (practice shows it anyway). A lesson's own presets
are the course itself and always stay open: hand-written items of both pools link to them, and
the exam tests what the lessons teach. Instructors (staff) see every preset.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser

from lessons.registry import PRESETS
from questions.models import Question


def presets_visible(
    *, user: AbstractBaseUser | AnonymousUser, lesson: str, presets: Sequence[str]
) -> Collection[str]:
    """The presets among `presets` (of the lesson `lesson`) that `user` may see and run (one
    query when any of them is a scenario preset, none otherwise)."""
    own = {preset.name for preset in PRESETS.get(lesson, ())}
    scenarios = [name for name in presets if name not in own]
    if not scenarios or getattr(user, "is_staff", False):
        return frozenset(presets)
    rows = Question.objects.filter(demo_lesson=lesson, demo_preset__in=scenarios).values_list(
        "demo_preset", "pool", "pretest"
    )
    secret: set[str] = set()
    shown: set[str] = set()
    for preset, pool, pretest in rows:
        (secret if pool == Question.Pool.EXAM or pretest else shown).add(preset)
    return frozenset(presets) - (secret - shown)
