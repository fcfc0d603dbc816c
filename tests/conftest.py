"""Fixtures shared by the whole suite: fast hashing, users, a live ASGI server, a browser."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from tests.factories import DEFAULT_PASSWORD, StaffFactory, UserFactory, totp_activate

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _tasks_run_at_once(settings) -> None:
    """Tasks run as they are queued (after the commit, where the code queues them then); the
    worker's own tests switch back to the database queue (`database_queue`)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def _sessions_in_the_database(settings) -> None:
    """Sessions from the database whether or not REDIS_URL is set, so that the pinned query
    counts hold on every run; the Redis-backed store is tested on its own (test_sessions.py)."""
    settings.SESSION_ENGINE = "certify.sessions.db"


@pytest.fixture
def database_queue(settings) -> None:
    """The product's queue: tasks wait in the database until a worker runs them."""
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }


@pytest.fixture(autouse=True)
def _fresh_cache(request: pytest.FixtureRequest) -> Iterator[None]:
    from django.conf import settings
    from django.core.cache import cache, caches

    # The lockout's cache: Redis with REDIS_URL, else a table of the test database, cleared
    # before each test that may use it (a test's own writes there roll back with the test, or
    # are left by a transactional one for the next to clear).
    lockout = caches[settings.CERTIFY_LOCKOUT_CACHE]
    in_database = lockout.__class__.__name__ == "DatabaseCache"
    cache.clear()
    if not in_database or _uses_database(request):
        if in_database:
            request.getfixturevalue("_django_db_helper")  # the test's database, opened first
        # A browser test's thread looks like async code to Django (see `page`).
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
            lockout.clear()
    _fresh_stream_worker()
    yield
    cache.clear()
    if not in_database:
        lockout.clear()
    _fresh_stream_worker()


def _fresh_stream_worker() -> None:
    # The process's count of open streams and its seat live beside the cache: a test that takes
    # a slot and never gives it back must not leave it to the next.
    from lessons.limits import _HINT, WORKER

    WORKER.open, WORKER.seat, WORKER.renewed, WORKER.heartbeat = 0, None, 0.0, None
    _HINT[:] = [0.0, 0]


def _uses_database(request: pytest.FixtureRequest) -> bool:
    names = set(request.fixturenames)
    return bool(names & {"db", "transactional_db", "live_asgi"}) or any(
        request.node.iter_markers("django_db")
    )


@pytest.fixture
def admin_user(db, django_user_model) -> User:
    """pytest-django's superuser, with the two-factor authentication the admin needs."""
    user = django_user_model.objects.create_superuser("admin", "admin@example.com", "password")
    totp_activate(user)
    return user


@pytest.fixture
def password() -> str:
    return DEFAULT_PASSWORD


@pytest.fixture
def learner(db) -> User:
    return UserFactory.create()


@pytest.fixture
def learner_client(client: Client, learner: User) -> Client:
    client.force_login(learner)
    return client


@pytest.fixture
def instructor(db) -> User:
    """A staff member in the Instructors group."""
    from django.apps import apps
    from django.contrib.auth.models import Group

    from questions.instructors import INSTRUCTORS, instructors_grant

    # A migration creates the group, but a transactional test's flush empties the table.
    instructors_grant(apps, models=["category", "question", "choice", "quiz", "timeaccommodation"])
    instructors_grant(apps, models=["bankrevision"], actions=["add", "change", "view"])
    instructors_grant(apps, models=["attempt", "answer"], actions=["view"])
    instructors_grant(apps, models=["certificate"], app_label="certify", actions=["view", "change"])
    user = StaffFactory.create()
    user.groups.add(Group.objects.get(name=INSTRUCTORS))
    return user


@pytest.fixture
def instructor_client(client: Client, instructor: User) -> Client:
    client.force_login(instructor)
    return client


class LiveASGIServer:
    """uvicorn serving the project's ASGI application from a thread, as `make run` does."""

    def __init__(self) -> None:
        import uvicorn

        from certify.asgi import application

        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.bind(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(application, lifespan="off", log_level="warning", access_log=False)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.socket]}, daemon=True
        )

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the live ASGI server did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.socket.close()


@pytest.fixture(scope="session")
def _asgi_server(django_db_setup, django_db_blocker) -> Iterator[LiveASGIServer]:
    server = LiveASGIServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def live_asgi(_asgi_server: LiveASGIServer, transactional_db) -> str:
    """The base URL of a real uvicorn server over the test database (committed data only)."""
    return _asgi_server.url


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run browser tests last (after pytest-django's own ordering).

    Playwright's sync API leaves its event loop marked as running on the main thread for the
    rest of the session, so an async test (pytest-asyncio) scheduled after it could not start.
    """
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


@pytest.fixture(scope="session")
def _chromium(django_db_setup) -> Iterator[object]:
    # The test database first: once Playwright runs, this thread looks like async code to
    # Django, which then refuses to create it.
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CERTIFY_REQUIRE_BROWSER"):
            pytest.fail(f"Chromium not found at {CHROMIUM} and CERTIFY_REQUIRE_BROWSER is set")
        pytest.skip(f"Chromium not found at {CHROMIUM}: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        _restore_playwright_loop()
        browser.close()


@pytest.fixture
def page(_chromium, monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    """A fresh browser page (its own cookies) in headless Chromium."""
    # Playwright's sync API keeps an event loop on this thread; the ORM calls a test makes
    # between page actions are still plain synchronous calls.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    context = _chromium.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    # Every Content-Security-Policy violation fails the test: the browser's own console line
    # ("Refused to ...") and the page's securitypolicyviolation event both count.
    context.add_init_script(CSP_LISTENER)
    page = context.new_page()
    violations: list[str] = []
    page.on("console", lambda message: _note_violation(violations, message.text))
    page.csp_violations = violations  # for the test that proves it
    yield page
    # Lets the last console messages arrive (the page may be closed or navigating: then what
    # arrived is enough).
    with contextlib.suppress(Exception):
        page.evaluate("() => 0")
    context.close()
    assert not violations, f"Content-Security-Policy violations: {violations}"


CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI || "inline"}`
    + ` at ${event.sourceFile || document.location.href}:${event.lineNumber}`);
});
"""


def axe_run(page, axe: Any = None, **options: Any) -> Any:
    """axe-core's report on the page. axe adds a style element of its own while it runs,
    which the policy refuses: those refusals are axe's, not certify's, and are dropped."""
    from axe_playwright_python.sync_playwright import Axe

    violations = getattr(page, "csp_violations", [])  # a page of the `page` fixture's
    seen = len(violations)
    found = (axe or Axe()).run(page, **options)
    violations[seen:] = [text for text in violations[seen:] if "style-src" not in text]
    return found


def _note_violation(violations: list[str], text: str) -> None:
    if "CSP violation" in text or "Content Security Policy" in text:
        violations.append(text)


# Playwright's sync API marks its event loop as running in the main thread between its calls
# (playwright/_impl/_greenlets.py, wait_for_future). With the session's browser alive, every
# async test after the first browser test would then fail: pytest-asyncio refuses to start a
# loop inside a running one. Hide the mark while other tests run; give it back to browser tests
# and to the browser's own teardown (_chromium, above).
_hidden_playwright_loop: list[asyncio.AbstractEventLoop] = []


def _drives_the_browser(item: pytest.Item | None) -> bool:
    return item is not None and "_chromium" in getattr(item, "fixturenames", ())


def _restore_playwright_loop() -> None:
    if _hidden_playwright_loop and asyncio._get_running_loop() is None:
        asyncio._set_running_loop(_hidden_playwright_loop.pop())


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    if _drives_the_browser(item):
        _restore_playwright_loop()
    elif (loop := asyncio._get_running_loop()) is not None and not _hidden_playwright_loop:
        _hidden_playwright_loop.append(loop)
        asyncio._set_running_loop(None)


def login_in_browser(page, base_url: str, user: User, password: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Username").fill(user.get_username())
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base_url}/")
