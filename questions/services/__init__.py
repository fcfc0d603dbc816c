"""Writes that touch several models: keyword-only, typed, atomic, validating before they save.

- `attempts`: start, answer, flag, submit, expire and retake quiz attempts.
- `accommodations`: a learner's own time limit; granting extra time moves open deadlines.
- `quizzes`: the default quizzes that come with the bank.
- `bank`: load a bank file (all or nothing), export the stored bank, activate and retire questions,
  withdraw a flagged item (retire it or send it back to pretest, logged).
- `analysis`: the item analysis's reads (items, quizzes, answers) for `questions.analysis`.
- `calibration`: refit the bank's item parameters from real answers.
- `adaptive`: the adaptive engine's reads (the bank's items, a learner's answers, estimates).
"""

from questions.services.accommodations import (
    accommodation_delete,
    accommodation_save,
    open_deadlines_refresh,
    time_limit_for,
)
from questions.services.attempts import (
    OBJECTIVE_DRILL_ITEMS,
    AnswerOutcome,
    AnswerRejected,
    AttemptClosed,
    AttemptError,
    RetakeTooSoon,
    answer_flag,
    answer_submit,
    attempt_expire,
    attempt_retake_missed,
    attempt_start,
    attempt_submit,
    attempts_expire_overdue,
    closed_message,
    cooldown_message,
    exam_opens_at,
    question_snapshot,
)
from questions.services.bank import (
    ActivationResult,
    BankLoadResult,
    WithdrawalRefused,
    bank_export,
    bank_load,
    banks_load,
    question_withdraw,
    questions_activate,
    questions_pool_move,
    questions_retire,
)
from questions.services.calibration import (
    CalibrationRefused,
    CalibrationRun,
    item_parameters_calibrate,
)
from questions.services.quizzes import (
    LEVEL_QUIZZES,
    RETAKE_QUIZ_SLUG,
    quiz_defaults_ensure,
    retake_quiz_get,
)

__all__ = [
    "LEVEL_QUIZZES",
    "OBJECTIVE_DRILL_ITEMS",
    "RETAKE_QUIZ_SLUG",
    "ActivationResult",
    "AnswerOutcome",
    "AnswerRejected",
    "AttemptClosed",
    "AttemptError",
    "BankLoadResult",
    "CalibrationRefused",
    "CalibrationRun",
    "RetakeTooSoon",
    "WithdrawalRefused",
    "accommodation_delete",
    "accommodation_save",
    "answer_flag",
    "answer_submit",
    "attempt_expire",
    "attempt_retake_missed",
    "attempt_start",
    "attempt_submit",
    "attempts_expire_overdue",
    "bank_export",
    "bank_load",
    "banks_load",
    "closed_message",
    "cooldown_message",
    "exam_opens_at",
    "item_parameters_calibrate",
    "open_deadlines_refresh",
    "question_snapshot",
    "question_withdraw",
    "questions_activate",
    "questions_pool_move",
    "questions_retire",
    "quiz_defaults_ensure",
    "retake_quiz_get",
    "time_limit_for",
]
