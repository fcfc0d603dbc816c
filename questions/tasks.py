"""Background work for quizzes, run by the task worker (`manage.py run_worker`).

Each task is idempotent: running it twice, or two workers running it at once, finalizes,
scores and issues nothing twice (every write takes the row locks its service takes).
"""

from __future__ import annotations

import logging

from django_tasks import task

from questions import services
from questions.models import BankParameters

logger = logging.getLogger(__name__)


@task()
def expire_overdue_attempts() -> int:
    """The expiry sweep: finalize every open attempt past its deadline, through the same
    finishing service as submit (so a passing exam gets its certificate). How many."""
    expired = services.attempts_expire_overdue()
    if expired:
        logger.info("Expired %s overdue attempt(s)", expired)
    return expired


@task()
def calibrate_item_parameters(*, min_answers: int, after_version: int) -> int | None:
    """Refit the item parameters, unless a calibration already ran since this one was asked
    for (`after_version` is the version current when it was queued): then the queued run
    would only repeat it. Returns the new version, or None when nothing was written."""
    if BankParameters.objects.current_version() != after_version:
        return None
    try:
        run = services.item_parameters_calibrate(min_answers=min_answers)
    except services.CalibrationRefused as refused:
        logger.info("Calibration refused: %s", refused)
        return None
    return run.version
