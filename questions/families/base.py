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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from lessons.scenarios import Outcome, Scenario, Variant
from questions.claims import Claim, true_options
from questions.families.transforms import runs


@dataclass(frozen=True)
class Run:
    """One run of a variant, as a family reads it: what the program did, and its shape."""

    outcome: Outcome
    variant: Variant

    @property
    def printed(self) -> tuple[str, ...]:
        return self.outcome.printed

    @property
    def raised(self) -> str:
        return self.outcome.raised

    @property
    def raised_type(self) -> str:
        return self.outcome.raised_type

    @property
    def events(self) -> tuple[str, ...]:
        return self.outcome.events

    def __getitem__(self, knob: str) -> Any:
        """A knob of the variant's shape (`run["pattern"]`)."""
        return self.variant.shape[knob]


Predict = Callable[[Run], Claim | None]
Why = Callable[[Run], str] | str
DISTRACTORS = 3  # four options where the misconceptions allow it
MIN_DISTRACTORS = 2  # else three
MAX_ITEMS = 30  # item ids of a family: a block of 30 numbers in its category


# --- claims and how options state them ----------------------------------------------------------


def printed(lines: Sequence[str], raises: str = "") -> Claim:
    """The program prints exactly `lines` (and raises `raises`, or nothing)."""
    return Claim(printed=tuple(lines), raises=raises)


def what_it_did(outcome: Outcome | Run) -> Claim:
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


def happened(outcome: Outcome | Run) -> str:
    """What the run did, in a sentence (used in feedback and explanations)."""
    return (
        describe(what_it_did(outcome))
        .replace("It prints", "The run printed", 1)
        .replace("It raises", "The run raised", 1)
    )


# --- misconceptions -----------------------------------------------------------------------------


class NoItem(ValueError):
    """A variant that cannot make an item, and why."""


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

    def feedback(self, outcome: Run) -> str:
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
    answer: Callable[[Run], Claim] = what_it_did
    render: Callable[[Claim], str] = describe
    style: str = "code"
    right: Why = "Right."
    discrimination: float = 1.2
    difficulty: float | None = None  # None: the level's starting difficulty
    shapes: tuple[str, ...] = field(default=())  # limit to these shape keys (default: all)
    # Knobs a learner may misjudge, with the phrase that names a value ("`max_turns={}`"): a
    # variant whose shape differs in one of them gives a distractor (what it prints instead)
    # when the misconceptions give fewer than three.
    knobs: Mapping[str, str | Mapping[Any, str]] = field(default_factory=dict)

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

    def neighbours(self, variant: Variant) -> list[tuple[Variant, str]]:
        """The variants in the same theme whose shape differs from this one's by one knob, with
        that knob's name: what a learner who confuses the two constructs would predict."""
        found = []
        for shape in self.scenario.shapes:
            if self.shapes and shape.key not in self.shapes:
                continue
            knob = self._one_knob_apart(variant.shape.values, shape.values)
            if knob is not None:
                found.append((self.scenario.variant(shape, variant.theme), knob))
        return found

    def _one_knob_apart(self, mine: Mapping[str, Any], theirs: Mapping[str, Any]) -> str | None:
        """The knob two shapes differ by when it is their only difference and both of its values
        have a phrase; otherwise None."""
        if set(theirs) != set(mine):
            return None
        differ = [k for k in mine if theirs[k] != mine[k]]
        if len(differ) != 1 or differ[0] not in self.knobs:
            return None
        knob = differ[0]
        if self._phrase(knob, mine[knob]) and self._phrase(knob, theirs[knob]):
            return knob
        return None

    def draft(
        self,
        variant: Variant,
        outcome: Outcome,
        seed: int,
        others: Mapping[str, Outcome] | None = None,
    ) -> ItemDraft:
        """The item for one run of a variant; NoItem (with the reason) when it cannot make one.

        `others`: the outcomes of its neighbours (by preset), whose runs make distractors when
        its misconceptions make fewer than three.
        """
        rng = random.Random(f"{seed}:{self.slug}:{variant.shape.key}:options")
        run = Run(outcome, variant)
        key = self.answer(run)
        candidates = self._distractors(run, key)
        if len(candidates) < DISTRACTORS and others:
            candidates += self._confusions(run, key, candidates, others)
        chosen = pick_distractors(key, candidates, self.render, rng)
        if chosen is None:
            raise NoItem(f"only {len(candidates)} misconceptions differ from what it did")
        options = [(key, self._right(run)), *chosen]
        rng.shuffle(options)
        claims = [claim for claim, _ in options]
        derived = true_options(claims, outcome)
        if len(derived) != 1 or claims[next(iter(derived))] != key:
            # A distractor the run made true, or a key it did not: no item.
            raise NoItem(f"its options do not have exactly one true claim ({len(derived)} true)")
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

    def _right(self, run: Run) -> str:
        text = self.right(run) if callable(self.right) else self.right
        return f"{text} {happened(run)}"

    def _confusions(
        self,
        run: Run,
        key: Claim,
        found: Sequence[tuple[Claim, str]],
        others: Mapping[str, Outcome],
    ) -> list[tuple[Claim, str]]:
        """Distractors from the neighbours' runs: what the program prints with one knob set
        otherwise, which a learner who confuses the two would expect."""
        seen = {key, *(claim for claim, _ in found)}
        confusions = []
        for neighbour, knob in self.neighbours(run.variant):
            outcome = others.get(neighbour.preset)
            if outcome is None:
                continue
            claim = self.answer(Run(outcome, neighbour))
            if claim in seen or claim.holds(run):
                continue  # the same output here: no confusion to be had
            seen.add(claim)
            mine, theirs = run.variant.shape[knob], neighbour.shape[knob]
            confusions.append((claim, self._confusion_feedback(run, knob, mine, theirs)))
        return confusions

    def _confusion_feedback(self, run: Run, knob: str, mine: object, theirs: object) -> str:
        return (
            f"That is what happens with {self._phrase(knob, theirs)}; here, with "
            f"{self._phrase(knob, mine)}, it printed {code_list(run.printed) or 'nothing'}"
            + (f" and raised `{run.raised_type}`." if run.raised_type else ".")
        )

    def _phrase(self, knob: str, value: object) -> str:
        """How feedback names a knob's value; "" for a value no learner would confuse."""
        phrase = self.knobs[knob]
        if isinstance(phrase, str):
            return phrase.format(_value(value))
        return phrase.get(value, "")

    def _distractors(self, run: Run, key: Claim) -> list[tuple[Claim, str]]:
        seen = {key}
        found = []
        for misconception in self.misconceptions:
            claim = misconception.predict(run)
            if claim is None or claim in seen:
                continue
            if claim.holds(run):
                # The run proves a distractor true: the family's premise is wrong here.
                raise NoItem(f"the misconception '{misconception.belief}' predicts what it did")
            seen.add(claim)
            found.append((claim, misconception.feedback(run)))
        return found


def _value(value: object) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, tuple | list):
        return ", ".join(_value(part) for part in value)
    return str(value)


def pick_distractors(
    key: Claim,
    candidates: Sequence[tuple[Claim, str]],
    render: Callable[[Claim], str],
    rng: random.Random,
) -> list[tuple[Claim, str]] | None:
    """Three distractors (two when only two misconceptions apply), chosen so that the key is not
    the one longest option where that can be helped (the length cue), at random among the sets
    that qualify."""
    if len(candidates) < MIN_DISTRACTORS:
        return None
    key_length = len(render(key))
    size = min(DISTRACTORS, len(candidates))
    sets = list(itertools.combinations(range(len(candidates)), size))
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

    def predict(run: Run) -> Claim | None:
        lines = transform(run.printed)
        return None if lines is None else printed(lines, run.raised_type)

    return Misconception(belief, predict, why)
