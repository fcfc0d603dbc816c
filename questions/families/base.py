"""An item family: a scenario of the lessons, a question about what it does, and distractors.

A family turns each variant of its scenario into one item. The program runs (on the offline
model, on a virtual clock); the key is what it did, stated as a claim (the lines it printed, the
exception it raised); each distractor is what a learner holding a real misconception would
predict, stated the same way. Every option's claim is then checked against the same run: a
variant whose options are not exactly one true claim is discarded (a misconception that
happens to be right for a variant makes no distractor there). Per-option feedback says what
actually happened, from the run.

Pure: no Django imports.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from lessons.scenarios import Outcome, Scenario, Variant
from questions.claims import Claim, true_options
from questions.families.transforms import runs

Predict = Callable[[Outcome], Claim | None]
Why = Callable[[Outcome], str] | str
DISTRACTORS = 3
MAX_ITEMS = 30  # item ids of a family: a block of 30 numbers in its category


# --- claims and how options state them ----------------------------------------------------------


def printed(lines: Sequence[str], raises: str = "") -> Claim:
    """The program prints exactly `lines` (and raises `raises`, or nothing)."""
    return Claim(printed=tuple(lines), raises=raises)


def what_it_did(outcome: Outcome) -> Claim:
    """The claim of everything the program did: its lines, and its exception if any."""
    return printed(outcome.printed, outcome.raised_type)


TIMES = "\u00d7"  # the multiplication sign
REPEAT_NOTE = f"(`x` {TIMES}2 stands for the line `x` printed twice in a row.)"


def code_list(lines: Sequence[str]) -> str:
    """Lines as inline code; a line repeated in a row is shown once, with its count."""
    shown = []
    for line, count in runs(lines):
        text = f"`{line}`" if line.strip() else "an empty line"
        shown.append(f"{text} {TIMES}{count}" if count > 1 else text)
    return ", ".join(shown)


def describe(claim: Claim) -> str:
    """The option text of a printed/raises claim, as a learner reads it."""
    lines = claim.printed or ()
    raised = claim.raises or ""
    if not lines and raised:
        return f"It raises `{raised}` before printing anything."
    if not lines:
        return "It prints nothing."
    text = f"It prints {code_list(lines)}"
    return f"{text}, then raises `{raised}`." if raised else f"{text}."


def happened(outcome: Outcome) -> str:
    """What the run did, in a sentence (used in feedback and explanations)."""
    return (
        describe(what_it_did(outcome))
        .replace("It prints", "The run printed", 1)
        .replace("It raises", "The run raised", 1)
    )


# --- misconceptions -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Misconception:
    """A wrong belief a learner may hold, and the option it makes them choose.

    `predict` gives that option's claim for a run (None when the belief predicts nothing
    different here); `why` says what actually happened instead (a format string over
    `printed` and `raised`, or a function of the outcome).
    """

    belief: str
    predict: Predict
    why: Why

    def feedback(self, outcome: Outcome) -> str:
        if callable(self.why):
            return self.why(outcome)
        return self.why.format(
            printed=code_list(outcome.printed) or "nothing", raised=outcome.raised_type
        )


@dataclass(frozen=True)
class Option:
    text: str
    claim: Claim
    correct: bool
    rationale: str


@dataclass(frozen=True)
class ItemDraft:
    """One generated item before it has an id: everything the bank file says of it."""

    family: str
    variant: str
    lesson: str
    shape: str
    prompt: str
    options: tuple[Option, ...]
    explanation: str
    outcome: Outcome

    @property
    def key_outcome(self) -> str:
        """What the keyed option(s) claim, canonically: two items of one shape must differ."""
        keyed = [option.claim.model_dump_json() for option in self.options if option.correct]
        return "|".join(sorted(keyed))


# --- the family ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Family:
    """A question about a scenario, with distractors from misconceptions.

    `number` places the family's item ids in its category: ids `<category>-<100 + 30 (number -
    1) + k>`, so a family keeps its ids when others are added. `answer` states the key from the
    run (by default: what it printed and raised); `render` writes a claim as option text.
    """

    slug: str
    number: int
    category: str
    level: str
    objective: str
    topic: str
    scenario: Scenario
    question: str
    explanation: str
    misconceptions: tuple[Misconception, ...]
    answer: Callable[[Outcome], Claim] = what_it_did
    render: Callable[[Claim], str] = describe
    style: str = "code"
    right: Why = "Right."
    discrimination: float = 1.2
    difficulty: float | None = None  # None: the level's starting difficulty
    shapes: tuple[str, ...] = field(default=())  # limit to these shape keys (default: all)

    def __post_init__(self) -> None:
        if not 1 <= self.number <= 29:
            raise ValueError(f"{self.slug}: a family number is between 1 and 29.")

    def id_for(self, index: int) -> str:
        if not 0 <= index < MAX_ITEMS:
            raise ValueError(f"{self.slug}: a family has at most {MAX_ITEMS} items.")
        return f"{self.category}-{100 + MAX_ITEMS * (self.number - 1) + index}"

    def variants(self, seed: int) -> list[Variant]:
        """One variant per shape, each in a theme the seed picks."""
        chosen = []
        for shape in self.scenario.shapes:
            if self.shapes and shape.key not in self.shapes:
                continue
            rng = random.Random(f"{seed}:{self.slug}:{shape.key}:theme")
            chosen.append(self.scenario.variant(shape, rng.choice(self.scenario.themes)))
        return chosen

    def draft(self, variant: Variant, outcome: Outcome, seed: int) -> ItemDraft | None:
        """The item for one run of a variant, or None if its options cannot have one key."""
        rng = random.Random(f"{seed}:{self.slug}:{variant.shape.key}:options")
        key = self.answer(outcome)
        candidates = self._distractors(outcome, key)
        chosen = pick_distractors(key, candidates, self.render, rng)
        if chosen is None:
            return None
        options = [(key, self._right(outcome)), *chosen]
        rng.shuffle(options)
        claims = [claim for claim, _ in options]
        derived = true_options(claims, outcome)
        if len(derived) != 1 or claims[next(iter(derived))] != key:
            return None  # a distractor the run made true, or a key it did not: no item
        texts = [self.render(claim) for claim in claims]
        note = any(TIMES in text for text in texts)
        return ItemDraft(
            family=self.slug,
            variant=variant.preset,
            lesson=variant.lesson,
            shape=variant.shape_name,
            prompt=self.prompt(variant, note=note),
            options=tuple(
                Option(text, claim, claim == key, rationale)
                for text, (claim, rationale) in zip(texts, options, strict=True)
            ),
            explanation=f"{self.explanation.strip()}\n\n{happened(outcome)}",
            outcome=outcome,
        )

    def prompt(self, variant: Variant, *, note: bool = False) -> str:
        program = variant.program()
        code = program.code.strip("\n")
        question = f"{self.question} {REPEAT_NOTE}" if note else self.question
        return f"{program.premise}\n\n```python\n{code}\n```\n\n{question}\n"

    def _right(self, outcome: Outcome) -> str:
        text = self.right(outcome) if callable(self.right) else self.right
        return f"{text} {happened(outcome)}"

    def _distractors(self, outcome: Outcome, key: Claim) -> list[tuple[Claim, str]]:
        seen = {key}
        found = []
        for misconception in self.misconceptions:
            claim = misconception.predict(outcome)
            if claim is None or claim in seen or claim.holds(outcome):
                continue
            seen.add(claim)
            found.append((claim, misconception.feedback(outcome)))
        return found


def pick_distractors(
    key: Claim,
    candidates: Sequence[tuple[Claim, str]],
    render: Callable[[Claim], str],
    rng: random.Random,
) -> list[tuple[Claim, str]] | None:
    """Three distractors, chosen so that the key is not the one longest option where that can
    be helped (the length cue), at random among the sets that qualify."""
    if len(candidates) < DISTRACTORS:
        return None
    key_length = len(render(key))
    sets = list(itertools.combinations(range(len(candidates)), DISTRACTORS))
    fair = [
        chosen
        for chosen in sets
        if max(len(render(candidates[index][0])) for index in chosen) >= key_length
    ]
    chosen = rng.choice(fair or sets)
    return [candidates[index] for index in chosen]


def on_lines(
    belief: str, transform: Callable[[Sequence[str]], Sequence[str] | None], why: Why
) -> Misconception:
    """A misconception about the order or the number of printed lines: the believer expects
    `transform(lines the run printed)`, and the same exception."""

    def predict(outcome: Outcome) -> Claim | None:
        lines = transform(outcome.printed)
        return None if lines is None else printed(lines, outcome.raised_type)

    return Misconception(belief, predict, why)
