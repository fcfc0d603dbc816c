from __future__ import annotations

import uuid
from functools import partial

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import HttpResponseClientRedirect, reswap, retarget

from lessons.access import preset_allowed, presets_allowed
from lessons.backends import Backend
from lessons.breaker import CircuitBreaker
from lessons.catalog import LESSONS, LESSONS_BY_SLUG
from lessons.counters import cache_is_local
from lessons.demos import Preset
from lessons.forms import DemoForm
from lessons.limits import runs_in_progress
from lessons.models import DemoRun
from lessons.registry import PRESETS, get_preset
from lessons.scenarios.live import program_source
from lessons.services import RunRefused, demo_run_admit, demo_run_start
from lessons.source import Source, source_of
from lessons.streaming import demo_stream, event_stream_response
from lessons.tickets import RunTicket

TEMPLATE = "lessons/lesson_detail.html"


def lesson_list(request: HttpRequest) -> HttpResponse:
    lessons = [(lesson, _listed(request, lesson.slug)) for lesson in LESSONS]
    return render(request, "lessons/lesson_list.html", {"lessons": lessons})


def _listed(request: HttpRequest, lesson: str) -> list[Preset]:
    """The lesson's own presets that this user may see (the settings hook decides)."""
    names = [preset.name for preset in PRESETS[lesson]]
    allowed = presets_allowed(user=request.user, lesson=lesson, presets=names)
    return [preset for preset in PRESETS[lesson] if preset.name in allowed]


def _open_preset(request: HttpRequest, lesson: str, name: str) -> Preset | None:
    """The preset a link names, if it exists and this user may see it; a preset kept out of
    reach is answered exactly as a link to no preset."""
    preset = get_preset(lesson, name) if name else None
    if preset is None or not preset_allowed(user=request.user, lesson=lesson, preset=name):
        return None
    return preset


@require_http_methods(["GET", "POST"])
def lesson_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """The lesson page (GET); the Run button posts here and gets the run panel back."""
    lesson = LESSONS_BY_SLUG.get(slug)
    if lesson is None:
        raise Http404("No such lesson.")
    asked = request.GET.get("preset", "")
    listed = _listed(request, slug)
    preset = _open_preset(request, slug, asked)
    # A broken link still gets the lesson (its first preset, and a word about it), with a 404.
    unknown_preset = asked if asked and preset is None else ""
    if preset is None and not listed:
        raise Http404("No demo of this lesson is open to you.")
    preset = preset or listed[0]
    if request.method == "POST" and not request.user.is_authenticated:
        login = redirect_to_login(request.get_full_path())
        return HttpResponseClientRedirect(login["Location"]) if request.htmx else login

    backend = Backend.from_settings()
    form = DemoForm(request.POST or None, preset=preset, backend=backend)
    ticket, status, retry_after = None, 404 if unknown_preset else 200, None
    if request.method == "POST":
        ticket, status, retry_after = _start_run(request, form, lesson=slug)
    context = {
        "lesson": lesson,
        "preset": preset,
        "presets": listed if preset in listed else [*listed, preset],
        "form": form,
        "ticket": ticket,
        "backend": backend,
        "unknown_preset": unknown_preset,
        "sources": _sources(slug, preset),
    }
    if request.method == "POST" and request.htmx:
        if ticket is not None:
            return render(request, f"{TEMPLATE}#run-panel", context)
        # Errors go next to the fields: this answer replaces the form, not the run panel.
        response = render(request, f"{TEMPLATE}#demo-form", context, status=status)
        response = reswap(retarget(response, "#demo-form"), "outerHTML")
    else:
        response = render(request, TEMPLATE, context, status=status)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


def _sources(lesson: str, preset: Preset) -> list[Source]:
    """The code the page shows: a scenario's whole program, or the demo and its helpers."""
    program = program_source(lesson, preset.name) if preset.code else None
    if program is not None:
        return [program]
    return [source_of(preset.demo), *(source_of(helper) for helper in preset.helpers)]


def _start_run(
    request: HttpRequest, form: DemoForm, *, lesson: str
) -> tuple[RunTicket | None, int, int | None]:
    """Run pressed: the ticket, or why not (400 bad form, 429 over a limit, with its wait)."""
    if not form.is_valid():
        return None, 400, None
    try:
        ticket = demo_run_start(
            user_id=request.user.pk,
            session_key=request.session.session_key or "",
            lesson=lesson,
            preset=form.preset.name,
            prompt=str(form.cleaned_data.get("prompt", form.preset.prompt)),
            options=form.options(),
        )
    except RunRefused as refused:
        form.add_error(None, str(refused))
        return None, 429, refused.retry_after
    return ticket, 200, None


@require_GET
async def run_stream(request: HttpRequest, slug: str, run_id: uuid.UUID) -> HttpResponseBase:
    """The run's Server-Sent Events. Claimed once: a reconnect gets 204 and runs nothing.

    No database query: the ticket is checked against the session cookie that pressed Run, so
    the stream starts fast and holds no connection; the run is recorded when it ends.
    """
    admit = partial(
        demo_run_admit,
        run_id=run_id,
        lesson=slug,
        session_key=request.COOKIES.get(settings.SESSION_COOKIE_NAME, ""),
    )
    # Cache work only: on the loop for the in-process cache, else in the shared thread pool
    # (a network round trip to Redis must not block the loop; no thread of the request's own).
    if cache_is_local():
        admission = admit()
    else:
        admission = await sync_to_async(admit, thread_sensitive=False)()
    if admission.status == 403:
        return HttpResponse("Log in to run the demos.", status=403, content_type="text/plain")
    if admission.status == 404:
        raise Http404("No such run.")
    if admission.status == 429:
        return HttpResponse(
            "The demos are busy right now; try again in a few seconds.",
            status=429,
            content_type="text/plain",
            headers={"Retry-After": "5"},
        )
    if admission.status == 204:
        return HttpResponse(status=204)
    ticket, slot = admission.ticket, admission.slot
    preset = get_preset(slug, ticket.preset) if ticket else None
    if ticket is None or slot is None or preset is None:
        raise Http404("No such run.")
    body = demo_stream(
        ticket=ticket,
        preset=preset,
        backend=Backend.from_settings(),
        slot=slot,
        paused=admission.paused,
    )
    return event_stream_response(body)


@login_required
def run_list(request: HttpRequest) -> HttpResponse:
    """Staff only: recent demo runs, p50/p95 time to first token, error rate, the breaker."""
    if not request.user.is_staff:
        raise PermissionDenied("Only staff can see the demo runs.")
    overall, per_lesson = DemoRun.objects.stats()
    context = {
        "runs": DemoRun.objects.recent(50),
        "overall": overall,
        "per_lesson": [(lesson, per_lesson[lesson.slug]) for lesson in LESSONS],
        "breaker": CircuitBreaker.for_backend().state_now(),
        "running": runs_in_progress(),
        "backend": Backend.from_settings(),
        "cap": settings.LESSONS_MAX_CONCURRENT_RUNS,
    }
    return render(request, "lessons/run_list.html", context)
