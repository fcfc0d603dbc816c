from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass
from functools import partial, wraps
from typing import Any, cast

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.template.loader import get_template
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import HttpResponseClientRedirect, reswap, retarget
from django_htmx.middleware import HtmxDetails

from certify.rendering import rendered_once
from certify.sessions.auth import get_user
from certify.threads import request_thread_release
from lessons.access import preset_allowed, presets_allowed
from lessons.backends import Backend
from lessons.breaker import BreakerState, CircuitBreaker
from lessons.catalog import LESSONS, LESSONS_BY_SLUG, Lesson
from lessons.counters import CACHE_ERRORS, cache_work
from lessons.demos import Preset
from lessons.forms import DemoForm
from lessons.fragments import Frame, ended_early
from lessons.limits import runs_in_progress
from lessons.models import DemoRun, RunStats
from lessons.recorder import run_recorder
from lessons.registry import PRESETS, get_preset
from lessons.scenarios.live import program_source
from lessons.services import (
    BUSY_RETRY_AFTER,
    AdmissionRefusal,
    Admitted,
    RunRefused,
    StartRefusal,
    demo_run_admit,
    demo_run_claim,
    demo_run_cut_off,
    demo_run_start,
    demo_run_started,
)
from lessons.source import Source, source_of
from lessons.streaming import demo_stream, event_stream_response
from lessons.tickets import RunTicket

logger = logging.getLogger(__name__)

TEMPLATE = "lessons/lesson_detail.html"
# Said when Redis (the demos' limits and tickets) is unreachable; nothing else is affected.
PAUSED = (
    "Live demos are paused for a moment: the server cannot reach the shared cache that holds "
    "their limits. Exams, answers and progress are not affected."
)
PAUSED_RETRY_AFTER = 30


class HtmxHttpRequest(HttpRequest):
    """A request that went through django-htmx's middleware (its `htmx` attribute)."""

    htmx: HtmxDetails


View = Callable[..., HttpResponse]
AsyncView = Callable[..., Coroutine[Any, Any, HttpResponse]]


def staff_only(view: View) -> View:
    """Signed-out visitors go to log in; signed-in learners who are not staff get 403."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if not request.user.is_staff:
            raise PermissionDenied("Only staff can see the demo runs.")
        return view(request, *args, **kwargs)

    return wrapped


@dataclass(frozen=True)
class LessonCard:
    """A lesson on the index, with the presets its page offers."""

    lesson: Lesson
    presets: tuple[Preset, ...]


def lesson_list(request: HttpRequest) -> HttpResponse:
    cards = [LessonCard(lesson, _listed(request, lesson.slug)) for lesson in LESSONS]
    return render(request, "lessons/lesson_list.html", {"cards": cards})


def _listed(request: HttpRequest, lesson: str) -> tuple[Preset, ...]:
    """The lesson's own presets that this user may see (the settings hook decides)."""
    names = [preset.name for preset in PRESETS[lesson]]
    allowed = presets_allowed(user=request.user, lesson=lesson, presets=names)
    return tuple(preset for preset in PRESETS[lesson] if preset.name in allowed)


def _open_preset(request: HttpRequest, lesson: str, name: str) -> Preset | None:
    """The preset a link names, if it exists and this user may see it."""
    preset = get_preset(lesson, name) if name else None
    if preset is None or not preset_allowed(user=request.user, lesson=lesson, preset=name):
        return None
    return preset


def _sources(lesson: str, preset: Preset) -> list[Source]:
    """The code the page shows: a scenario's whole program, or the demo and its helpers."""
    program = program_source(lesson, preset.name) if preset.code else None
    if program is not None:
        return [program]
    return [source_of(preset.demo), *(source_of(helper) for helper in preset.helpers)]


@dataclass(frozen=True)
class LessonPage:
    """What a lesson page shows: the lesson, the preset asked for (or the first one, and the
    name that matched none), the backend."""

    lesson: Lesson
    preset: Preset
    unknown_preset: str
    backend: Backend
    listed: tuple[Preset, ...]

    @classmethod
    def of(cls, request: HttpRequest, slug: str, asked: str) -> LessonPage:
        """The page for this user: a preset the settings hook keeps from them is neither listed
        nor shown, and a link to it is answered as a link to no preset."""
        lesson = LESSONS_BY_SLUG.get(slug)
        if lesson is None:
            raise Http404("No such lesson.")
        listed = _listed(request, slug)
        preset = _open_preset(request, slug, asked)
        if preset is None and not listed:
            raise Http404("No demo of this lesson is open to you.")
        return cls(
            lesson=lesson,
            preset=preset or listed[0],
            unknown_preset=asked if asked and preset is None else "",
            backend=Backend.from_settings(),
            listed=listed,
        )

    def form(self, data: QueryDict | None = None) -> DemoForm:
        return DemoForm(data, preset=self.preset, backend=self.backend)

    def context(self, form: DemoForm, ticket: RunTicket | None = None) -> dict[str, object]:
        return {
            "lesson": self.lesson,
            "preset": self.preset,
            # A scenario's preset is not listed, but shown as the current one when opened.
            "presets": self.listed if self.preset in self.listed else (*self.listed, self.preset),
            "form": form,
            "ticket": ticket,
            "backend": self.backend,
            "unknown_preset": self.unknown_preset,
            "sources": _sources(self.lesson.slug, self.preset),
        }


def _open_page(request: HtmxHttpRequest, slug: str) -> LessonPage:
    """The user (with the session) and the page, in one trip to the request's thread: the
    project's access hook (LESSONS_PRESET_ACCESS) may read the database. The view and its
    templates then run on the event loop and read them from memory."""
    request.user = get_user(request)
    return LessonPage.of(request, slug, request.GET.get("preset", ""))


@require_http_methods(["GET", "POST"])
async def lesson_detail(request: HtmxHttpRequest, slug: str) -> HttpResponseBase:
    """The lesson page (GET); the Run button posts here and gets the run panel back, or the
    run's stream when the page's script asks for it.

    Anyone may read the page; only a signed-in learner may post (press Run). Others are sent to
    log in, through htmx's client-side redirect when htmx asked. A broken preset link still
    gets the lesson (its first preset, and a word about it), with a 404.
    """
    page = await sync_to_async(_open_page)(request, slug)
    if request.method == "POST":
        if not request.user.is_authenticated:
            login = redirect_to_login(request.get_full_path())
            return HttpResponseClientRedirect(login["Location"]) if request.htmx else login
        return await _run_pressed(request, page)
    status = 404 if page.unknown_preset else 200
    return render(request, TEMPLATE, page.context(page.form()), status=status)


async def _run_pressed(request: HtmxHttpRequest, page: LessonPage) -> HttpResponseBase:
    """The run panel connected to a new ticket (or the run's stream itself), or the form with
    why not (400, 429, 503)."""
    form = page.form(request.POST)
    if not form.is_valid():
        return _form_refused(request, page, form, status=400)
    try:
        started = await cache_work(
            partial(
                demo_run_start,
                user_id=cast(int, request.user.pk),  # a signed-in learner (lesson_detail)
                session_key=request.session.session_key or "",
                lesson=page.lesson.slug,
                preset=form.demo_preset.name,
                prompt=str(form.cleaned_data.get("prompt", form.demo_preset.prompt)),
                options=form.options(),
            )
        )
    except CACHE_ERRORS as error:
        logger.warning("Run refused: the demos' cache is unreachable: %s", error)
        return _refused(
            request, page, form, f"{PAUSED} Try again in a minute.", 503, PAUSED_RETRY_AFTER
        )
    if isinstance(started, RunRefused):
        return _refused(request, page, form, started.message, 429, started.retry_after)
    if _wants_stream(request):
        return await _stream_pressed(request, page, form, started)
    # The run's record exists from here on (running), written off the request's path.
    run_recorder().add(demo_run_started(started))
    if request.htmx:
        return HttpResponse(run_panel(page.lesson, page.preset, page.backend, started.id))
    return render(request, TEMPLATE, page.context(form, started))


def _wants_stream(request: HttpRequest) -> bool:
    """The page's script asks for the run's stream as the press's answer (one request from the
    press to the first token); htmx alone, or a browser without script, gets the run panel."""
    accept = request.META.get("HTTP_ACCEPT", "")
    if accept == "text/event-stream":  # the page's script: no negotiation to parse
        return True
    return (
        "text/event-stream" in accept
        and request.get_preferred_type(["text/html", "text/event-stream"]) == "text/event-stream"
    )


async def _stream_pressed(
    request: HtmxHttpRequest, page: LessonPage, form: DemoForm, ticket: RunTicket
) -> HttpResponseBase:
    """The Run press's answer as the run's stream: the run panel first (its stream address
    already claimed, so a reconnect is told the run was cut off), then the run's events."""
    try:
        admission = await cache_work(partial(demo_run_claim, ticket))
    except CACHE_ERRORS as error:
        logger.warning("Run refused: the demos' cache is unreachable: %s", error)
        return _refused(
            request, page, form, f"{PAUSED} Try again in a minute.", 503, PAUSED_RETRY_AFTER
        )
    if not isinstance(admission, Admitted):
        # No slot left under the cap since the press's check (another press took the last).
        busy = RunRefused(StartRefusal.BUSY, retry_after=BUSY_RETRY_AFTER)
        return _refused(request, page, form, busy.message, 429, busy.retry_after)
    run_recorder().add(demo_run_started(ticket))
    # The stream runs no synchronous code and no query: its thread (and the thread's database
    # connection) go to the next request instead of waiting out the run.
    request_thread_release()
    body = demo_stream(
        ticket=ticket,
        preset=page.preset,
        backend=page.backend,
        slot=admission.slot,
        paused=admission.paused,
        first=run_panel_event(page.lesson, page.preset, page.backend, ticket.id),
    )
    return event_stream_response(body)


# Stands for a run's id in the run panel rendered once per preset.
_ANY_RUN = uuid.UUID(int=0)


def run_panel(lesson: Lesson, preset: Preset, backend: Backend, run_id: uuid.UUID) -> str:
    """The run panel (the template's `run-panel` partial) connected to a run's stream. It is
    the same for every run of a preset but for the run's id in the stream's address, so the
    template renders it once per preset (and backend) and each Run press fills in its id."""
    before, after = _run_panel_halves(lesson, preset, backend)
    return f"{before}{run_id}{after}"


def run_panel_event(lesson: Lesson, preset: Preset, backend: Backend, run_id: uuid.UUID) -> bytes:
    """The run panel as the `run-panel` event that opens the Run press's stream: framed once
    per preset too (the id is on one line of it, so the framing around it never changes)."""
    before, after = _run_panel_event_halves(lesson, preset, backend)
    return before + str(run_id).encode() + after


@rendered_once()
def _run_panel_halves(lesson: Lesson, preset: Preset, backend: Backend) -> tuple[str, str]:
    context = {"lesson": lesson, "preset": preset, "backend": backend, "ticket": _AnyRun()}
    html = get_template(f"{TEMPLATE}#run-panel").render(context)
    before, _, after = html.partition(str(_ANY_RUN))
    return before, after


@rendered_once()
def _run_panel_event_halves(
    lesson: Lesson, preset: Preset, backend: Backend
) -> tuple[bytes, bytes]:
    before, after = _run_panel_halves(lesson, preset, backend)
    event = Frame("run-panel", f"{before}{_ANY_RUN}{after}").encode()
    before_event, _, after_event = event.partition(str(_ANY_RUN).encode())
    return before_event, after_event


@dataclass(frozen=True)
class _AnyRun:
    """What the partial reads of a ticket: its id."""

    id: uuid.UUID = _ANY_RUN


def _refused(
    request: HtmxHttpRequest,
    page: LessonPage,
    form: DemoForm,
    message: str,
    status: int,
    retry_after: int,
) -> HttpResponse:
    """The form with why the run may not start now, and when to try again."""
    form.add_error(None, message)
    response = _form_refused(request, page, form, status=status)
    response["Retry-After"] = str(retry_after)
    return response


def _form_refused(
    request: HtmxHttpRequest, page: LessonPage, form: DemoForm, *, status: int
) -> HttpResponse:
    if not request.htmx:
        return render(request, TEMPLATE, page.context(form), status=status)
    # Errors go next to the fields: this answer replaces the form, not the run panel.
    response = render(request, f"{TEMPLATE}#demo-form", page.context(form), status=status)
    return reswap(retarget(response, "#demo-form"), "outerHTML")


def _refused_stream(refusal: AdmissionRefusal) -> HttpResponse:
    if refusal is AdmissionRefusal.SIGNED_OUT:
        return HttpResponse("Log in to run the demos.", status=403, content_type="text/plain")
    if refusal is AdmissionRefusal.BUSY:
        return HttpResponse(
            "The demos are busy right now; try again in a few seconds.",
            status=429,
            content_type="text/plain",
            headers={"Retry-After": "5"},
        )
    raise Http404("No such run.")


def _notice_stream(*, badge: str, message: str) -> HttpResponseBase:
    """A stream that only says why it runs nothing, ending with `done` (the page shows it and
    the browser does not reconnect)."""

    async def body() -> AsyncIterator[bytes]:
        yield ended_early(badge=badge, message=message)

    return event_stream_response(body())


async def _cut_off(run_id: uuid.UUID) -> HttpResponseBase:
    """A reconnect to a claimed run: the connection to it broke (its worker died, or the
    network dropped it and the server cancelled it). Never run twice; say so."""
    run = await sync_to_async(demo_run_cut_off)(run_id=run_id)
    if run is not None and run.outcome == DemoRun.Outcome.LOST:
        message = "The run was cut off: the server streaming it stopped before the end."
    else:
        message = "The run was cut off: the connection to it was lost before the end."
    return _notice_stream(badge="Cut off", message=f"{message} Press Run again to start anew.")


@require_GET
async def run_stream(request: HttpRequest, slug: str, run_id: uuid.UUID) -> HttpResponseBase:
    """The run's Server-Sent Events. Claimed once: a reconnect is told the run was cut off and
    runs nothing.

    No database query: the ticket is checked against the session cookie that pressed Run, so
    the stream starts fast and holds no connection; the run's record is settled when it ends.
    """
    try:
        admission = await cache_work(
            partial(
                demo_run_admit,
                run_id=run_id,
                lesson=slug,
                session_key=request.COOKIES.get(settings.SESSION_COOKIE_NAME, ""),
            )
        )
    except CACHE_ERRORS as error:
        logger.warning("Stream refused: the demos' cache is unreachable: %s", error)
        return _notice_stream(
            badge="Paused", message=f"{PAUSED} This run did not start: run it again in a minute."
        )
    if admission is AdmissionRefusal.CLAIMED:
        return await _cut_off(run_id)
    if not isinstance(admission, Admitted):
        return _refused_stream(admission)
    preset = get_preset(slug, admission.ticket.preset)
    if preset is None:
        raise Http404("No such run.")
    body = demo_stream(
        ticket=admission.ticket,
        preset=preset,
        backend=Backend.from_settings(),
        slot=admission.slot,
        paused=admission.paused,
    )
    return event_stream_response(body)


@dataclass(frozen=True)
class LessonFigures:
    """One lesson's row on the staff page."""

    lesson: Lesson
    stats: RunStats


def _live_figures() -> tuple[int | None, BreakerState | None]:
    """Streams open and the breaker, from the cache; None when it is unreachable (the page says
    it cannot tell)."""
    try:
        return runs_in_progress(), CircuitBreaker.for_backend().state_now()
    except CACHE_ERRORS:
        return None, None


@staff_only
def run_list(request: HttpRequest) -> HttpResponse:
    """Staff only: recent demo runs, p50/p95 time to first token, error rate, the breaker."""
    overall, per_lesson = DemoRun.objects.stats()
    running, breaker = _live_figures()
    context = {
        "runs": DemoRun.objects.recent(50),
        "overall": overall,
        "per_lesson": [LessonFigures(lesson, per_lesson[lesson.slug]) for lesson in LESSONS],
        "breaker": breaker,
        "running": running,
        "backend": Backend.from_settings(),
        "cap": settings.LESSONS_MAX_CONCURRENT_RUNS,
    }
    return render(request, "lessons/run_list.html", context)
