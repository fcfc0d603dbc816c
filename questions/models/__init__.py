"""The questions app's models: the bank, quizzes and attempts, and the adaptive engine's records."""

from questions.models.accommodations import (
    TimeAccommodation,
    TimeAccommodationQuerySet,
    own_time_limit,
)
from questions.models.adaptive import (
    AdaptiveOutcome,
    BankParameters,
    BankParametersQuerySet,
    ItemCalibration,
)
from questions.models.analysis import ItemWithdrawal
from questions.models.bank import (
    QUESTION_ID,
    Category,
    CategorySlug,
    Choice,
    Question,
    QuestionQuerySet,
    installed_sdk_version,
)
from questions.models.keys import KeyCheck, KeyCheckQuerySet
from questions.models.quizzes import (
    Answer,
    AnswerQuerySet,
    Attempt,
    AttemptQuerySet,
    NavigatorRow,
    QuestionCounts,
    Quiz,
    QuizQuerySet,
    active_question_counts,
    default_category_threshold,
    default_overall_threshold,
    new_shuffle_seed,
)
from questions.models.revisions import BankRevision, BankRevisionFile

__all__ = [
    "QUESTION_ID",
    "AdaptiveOutcome",
    "Answer",
    "AnswerQuerySet",
    "Attempt",
    "AttemptQuerySet",
    "BankParameters",
    "BankParametersQuerySet",
    "BankRevision",
    "BankRevisionFile",
    "Category",
    "CategorySlug",
    "Choice",
    "ItemCalibration",
    "ItemWithdrawal",
    "KeyCheck",
    "KeyCheckQuerySet",
    "NavigatorRow",
    "Question",
    "QuestionCounts",
    "QuestionQuerySet",
    "Quiz",
    "QuizQuerySet",
    "TimeAccommodation",
    "TimeAccommodationQuerySet",
    "active_question_counts",
    "default_category_threshold",
    "default_overall_threshold",
    "installed_sdk_version",
    "new_shuffle_seed",
    "own_time_limit",
]
