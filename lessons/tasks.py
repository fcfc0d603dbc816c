"""Background work for the live demos, run by the task worker (`manage.py run_worker`)."""

from __future__ import annotations

import logging

from django_tasks import task

from lessons import services

logger = logging.getLogger(__name__)


@task()
def mark_lost_demo_runs() -> int:
    """Mark lost the runs whose web worker died mid-stream (or whose page never connected), so
    the runs page counts them. Idempotent: only records still running change. How many."""
    lost = services.demo_runs_mark_lost()
    if lost:
        logger.info("Marked %s demo run(s) lost", lost)
    return lost
