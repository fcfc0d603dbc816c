"""Exam forms against the database: the exam pool as assembly sees it, a learner's earlier
forms, one attempt's form, and how far the pool meets a quiz's blueprint (the admin's view).

Assembly itself is pure (`questions.assembly`); its rules come from settings:
QUESTIONS_FORM_EXPOSURE_TARGET, QUESTIONS_FORM_OVERLAP_SHARE, QUESTIONS_FORM_FAMILY_LIMIT.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Count

from questions import assembly
from questions.assembly import AssembledForm, Cell, FormItem, FormRules
from questions.models import Answer, Question, QuestionQuerySet, Quiz


def form_rules() -> FormRules:
    return FormRules(
        exposure_target=getattr(
            settings, "QUESTIONS_FORM_EXPOSURE_TARGET", assembly.DEFAULT_EXPOSURE_TARGET
        ),
        overlap_share=getattr(
            settings, "QUESTIONS_FORM_OVERLAP_SHARE", assembly.DEFAULT_OVERLAP_SHARE
        ),
        family_limit=getattr(
            settings, "QUESTIONS_FORM_FAMILY_LIMIT", assembly.DEFAULT_FAMILY_LIMIT
        ),
    )


def form_items(questions: QuestionQuerySet) -> list[FormItem]:
    """The questions as assembly sees them (one query)."""
    rows = questions.order_by("id").values_list(
        "id", "category__slug", "level", "discrimination", "difficulty", "guessing", "family"
    )
    return [FormItem(*row) for row in rows]


def exam_pool(quiz: Quiz) -> list[FormItem]:
    """The scored items a form of `quiz` may ask: its scope of the exam pool."""
    return form_items(quiz.questions_in_scope())


def learner_seen(user: AbstractBaseUser) -> set[str]:
    """The items of the learner's earlier certification exam forms."""
    return set(
        Answer.objects.filter(
            attempt__user_id=user.pk, attempt__quiz__mode=Quiz.Mode.CERTIFICATION
        ).values_list("question_id", flat=True)
    )


def pretest_pick(
    *, quiz: Quiz, user: AbstractBaseUser, form: AssembledForm, seed: int
) -> list[str]:
    """Up to the quiz's `pretest_per_form` pretest items for a form: those with the fewest
    answers so far first (calibration needs answers to every one), none the learner had on an
    earlier form, and the enemy rule held with the form's items."""
    if quiz.pretest_per_form <= 0:
        return []
    rows = list(
        Question.objects.in_pretest()
        .filter(category__isnull=False)
        .annotate(answered=Count("answers"))
        .values_list("id", "family", "answered")
    )
    seen = learner_seen(user)
    rng = random.Random(f"{seed}:pretest")
    rng.shuffle(rows)
    rows.sort(key=lambda row: row[2])
    families = Counter(item.family for item in form.items if item.family)
    limit = form_rules().family_limit
    chosen: list[str] = []
    for question_id, family, _ in rows:
        if len(chosen) >= quiz.pretest_per_form:
            break
        if question_id in seen or (family and families[family] >= limit):
            continue
        chosen.append(question_id)
        if family:
            families[family] += 1
    return chosen


def form_assemble(*, quiz: Quiz, user: AbstractBaseUser, seed: int) -> AssembledForm:
    """A new form of `quiz` for `user`, random for the attempt's `seed`."""
    return assembly.assemble(
        exam_pool(quiz),
        quiz.form_cells(),
        rng=random.Random(seed),
        seen=learner_seen(user),
        rules=form_rules(),
    )


@dataclass(frozen=True)
class CellStatus:
    """One blueprint cell against the exam pool."""

    category: str
    level: str
    wanted: int
    in_pool: int
    # The most questions a form can take from the cell at all, and within the exposure target.
    most: int
    within_target: int
    # The lowest exposure rate the pool allows for the cell's items (None: the cell cannot
    # give its questions at all).
    allowed_exposure: float | None
    exposure_target: float

    @property
    def short(self) -> int:
        """Questions no form can take from the cell (forms borrow them from the category)."""
        return max(self.wanted - self.most, 0)

    @property
    def exposure_short(self) -> int:
        """Questions a form takes from the category's other levels instead, to keep the cell's
        items within the exposure target."""
        return max(self.wanted - self.within_target, 0)


def blueprint_status(quiz: Quiz) -> list[CellStatus]:
    """Every cell the quiz's blueprint asks: how many it wants, how many the exam pool holds,
    how many a form can take from it (at all, and within the exposure target), and the lowest
    exposure the pool allows."""
    wanted = quiz.form_cells()
    items = exam_pool(quiz)
    pool: Counter[Cell] = Counter(item.cell for item in items)
    rules = form_rules()
    limit = rules.family_limit
    allowed = assembly.allowed_exposure(items, wanted, family_limit=limit)
    most = assembly.cell_capacity(items, rate=1.0, family_limit=limit)
    within = assembly.cell_capacity(items, rate=rules.exposure_target, family_limit=limit)
    return [
        CellStatus(
            cell[0],
            cell[1],
            n,
            pool[cell],
            most.get(cell, 0),
            within.get(cell, 0),
            allowed[cell],
            rules.exposure_target,
        )
        for cell, n in wanted.items()
    ]
