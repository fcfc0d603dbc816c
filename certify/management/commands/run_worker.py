"""The task worker: django-tasks-db's `db_worker`, plus the periodic tasks' scheduler, and it
rides out a database that goes away (a restart) instead of exiting.

`manage.py run_worker` runs every queue; `make run` starts one beside the web server. Run M of
them in production (README): each takes tasks with SELECT ... FOR UPDATE SKIP LOCKED, and the
scheduler's guard (certify.schedule) queues each periodic task once however many run it.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from django.db import DatabaseError, InterfaceError, OperationalError, close_old_connections
from django_tasks_db.management.commands import db_worker

from certify.schedule import periodic_tasks_enqueue_due

logger = logging.getLogger("certify.worker")

SCHEDULER_TICK = 5.0  # seconds between looks at the schedule
RECONNECT_PAUSE = 2.0  # seconds to wait after the database went away


def schedule_once() -> list[str]:
    """One look at the schedule; a database outage is logged, not raised (the next look
    catches up)."""
    try:
        close_old_connections()
        return periodic_tasks_enqueue_due()
    except DatabaseError as error:
        logger.warning("Scheduler: the database is unavailable (%s); trying again", error)
        close_old_connections()
        return []


class Scheduler(threading.Thread):
    def __init__(self, tick: float = SCHEDULER_TICK) -> None:
        super().__init__(name="certify-scheduler", daemon=True)
        self.tick = tick
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            schedule_once()
            self.stopped.wait(self.tick)


class Worker(db_worker.Worker):
    def run(self) -> None:
        # db_worker's loop raises when the database goes away; start it again once it is back.
        while self.running:
            try:
                super().run()
                return
            except (OperationalError, InterfaceError) as error:
                logger.warning("Worker: the database is unavailable (%s); waiting", error)
                close_old_connections()
                time.sleep(RECONNECT_PAUSE)


class Command(db_worker.Command):
    help = (
        "Run the task worker: background tasks (expiry sweep, email, grade passback, "
        "calibration) and the periodic tasks' schedule."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        self.configure_logging(options["verbosity"])
        queue_names = options["queue_name"].split(",")
        excluded = options["exclude_queues"].split(",") if options["exclude_queues"] else []
        worker = Worker(
            queue_names=queue_names,
            interval=options["interval"],
            batch=options["batch"],
            backend_name=options["backend_name"],
            startup_delay=options["startup_delay"],
            max_tasks=options["max_tasks"],
            worker_id=options["worker_id"],
            excluded_queue_names=excluded,
        )
        if options["batch"]:
            # One look at the schedule, then every task that is ready, then exit.
            schedule_once()
            worker.run()
            return
        scheduler = Scheduler()
        scheduler.start()
        worker.configure_signals()
        try:
            worker.run()
        finally:
            scheduler.stopped.set()
