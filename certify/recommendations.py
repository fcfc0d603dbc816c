"""Study recommendations from a learner's results: plain dataclasses in and out, no Django.

The dashboard passes the scores and missed questions per category (from the latest certification
exam, or from the latest answer to each question when there is no exam yet) and the quizzes that
exist; `recommend` returns what to study, in order of expected gain toward the certificate:

- a category below its threshold blocks the certificate whatever the overall score, so those come
  first, the weakest (furthest below) first;
- then the categories that meet it but still have misses, lowest score first.

For each: the lesson to open with the live demo of a missed question (the topic missed most), the
missed questions, the level to practise next and how (a category drill when the category is far
below its bar, else adaptive practice), and one line that says why.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from questions.scoring import Score

LEVELS = ("beginner", "intermediate", "advanced")
# Further below the category bar than this, work through the whole category with a drill.
DRILL_BELOW_POINTS = 10.0


@dataclass(frozen=True)
class Missed:
    """A question the learner got wrong (or left unanswered).

    A secure one (an exam item) is never named: its topic is its learning objective's text, its
    lesson its category's, and it has no id and no demo.
    """

    question_id: str
    level: str
    topic: str
    demo_lesson: str
    demo_preset: str
    objective: str = ""
    secure: bool = False


@dataclass(frozen=True)
class CategoryResult:
    slug: str
    name: str
    lesson_slug: str
    score: Score
    missed: Sequence[Missed] = ()
    # The adaptive engine's expected percent, used when the category has no score yet.
    estimate: float | None = None


@dataclass(frozen=True)
class Results:
    categories: Sequence[CategoryResult]
    category_threshold: float
    # Lesson slug -> its number (01 to 05), to say "open lesson 02".
    lesson_numbers: Mapping[str, int]
    # How many questions the source asked, to turn misses into overall points.
    question_total: int = 0
    # Category slug -> the slug of its published drill; the adaptive practice quiz, if published.
    drills: Mapping[str, str] = field(default_factory=dict)
    adaptive_quiz: str | None = None


@dataclass(frozen=True)
class Practice:
    mode: str  # "drill" | "adaptive"
    level: str
    quiz_slug: str

    @property
    def text(self) -> str:
        how = "in the category drill" if self.mode == "drill" else "with adaptive practice"
        return f"Practise the {self.level} questions next, {how}."


@dataclass(frozen=True)
class Recommendation:
    category: str
    category_name: str
    percent: float | None
    # Points below the category threshold (0: it meets it).
    gap: float
    # Overall points the learner gains by getting every missed question here right.
    gain: float
    lesson_slug: str
    lesson_number: int
    preset: str
    missed: Sequence[Missed]
    practice: Practice | None
    explanation: str

    @property
    def blocks_certificate(self) -> bool:
        return self.gap > 0


def _percent_text(value: float) -> str:
    return f"{value:.0f}%" if float(value).is_integer() else f"{value:.1f}%"


def _level_rank(level: str) -> int:
    return LEVELS.index(level) if level in LEVELS else len(LEVELS)


def _focus(missed: Sequence[Missed]) -> tuple[str, int, Missed | None]:
    """The topic missed most (ties: the easier level, then the first missed) and its count."""
    if not missed:
        return "", 0, None
    counts = Counter(m.topic for m in missed)
    first = min(
        missed,
        key=lambda m: (-counts[m.topic], _level_rank(m.level), missed.index(m)),
    )
    return first.topic, counts[first.topic], first


def _explain(slug: str, percent: float | None, missed: Sequence[Missed], lesson: int) -> str:
    """One line, e.g. "raw-events 70%: 2 of 3 misses are about X; open lesson 02"."""
    head = f"{slug} {_percent_text(percent)}" if percent is not None else f"{slug} not scored yet"
    topic, count, _ = _focus(missed)
    n = len(missed)
    if n == 0:
        why = "no misses to review, practise to raise it"
    elif n == 1:
        why = f"1 miss, about {topic}"
    elif count == n:
        why = f"all {n} misses are about {topic}"
    elif count > 1:
        why = f"{count} of {n} misses are about {topic}"
    else:
        topics = list(dict.fromkeys(m.topic for m in missed))
        if len(topics) > 3:
            topics = [*topics[:2], f"{len(topics) - 2} more"]
        why = f"{n} misses, about {', '.join(topics[:-1])} and {topics[-1]}"
    return f"{head}: {why}; open lesson {lesson:02d}"


def _practice(result: CategoryResult, gap: float, data: Results) -> Practice | None:
    levels = sorted({m.level for m in result.missed}, key=_level_rank)
    level = levels[0] if levels else LEVELS[0]
    drill = data.drills.get(result.slug)
    if data.adaptive_quiz and (gap <= DRILL_BELOW_POINTS or drill is None):
        return Practice("adaptive", level, data.adaptive_quiz)
    if drill:
        return Practice("drill", level, drill)
    return None


def recommend(data: Results) -> list[Recommendation]:
    """What to study, most expected gain first (see the module docstring)."""
    picks: list[tuple[tuple[object, ...], Recommendation]] = []
    for order, result in enumerate(data.categories):
        score = result.score
        if score.total:
            percent: float | None = score.percent
            gap = score.gap(data.category_threshold)
            level = Fraction(score.correct, score.total)
        elif result.estimate is not None:
            percent = result.estimate
            gap = max(0.0, round(data.category_threshold - result.estimate, 1))
            level = Fraction(result.estimate).limit_denominator(1000) / 100
        else:
            continue  # nothing known about this category yet
        if not gap and not result.missed:
            continue
        _, _, focus = _focus(result.missed)
        lesson_slug = focus.demo_lesson if focus else result.lesson_slug
        lesson_number = data.lesson_numbers.get(lesson_slug, 0)
        gain = len(result.missed) * 100 / data.question_total if data.question_total else 0.0
        recommendation = Recommendation(
            category=result.slug,
            category_name=result.name,
            percent=percent,
            gap=gap,
            gain=round(gain, 1),
            lesson_slug=lesson_slug,
            lesson_number=lesson_number,
            preset=focus.demo_preset if focus else "",
            missed=tuple(result.missed),
            practice=_practice(result, gap, data),
            explanation=_explain(result.slug, percent, result.missed, lesson_number),
        )
        picks.append(((gap == 0, -gap, level, -len(result.missed), order), recommendation))
    return [recommendation for _, recommendation in sorted(picks, key=lambda pick: pick[0])]
