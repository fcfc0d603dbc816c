from __future__ import annotations

import uuid

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import close_old_connections
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import HttpResponseClientRedirect, reswap, retarget

from lessons.backends import Backend
from lessons.breaker import CircuitBreaker
from lessons.catalog import LESSONS, LESSONS_BY_SLUG
from lessons.forms import DemoForm
from lessons.limits import runs_in_progress, slot_acquire, slot_release
from lessons.models import DemoRun
from lessons.registry import PRESETS, get_preset
from lessons.services import RunRefused, demo_run_start
from lessons.source import source_of
from lessons.streaming import demo_stream, event_stream_response
from lessons.tickets import aticket_claim, aticket_get

TEMPLATE = "lessons/lesson_detail.html"


def lesson_list(request: HttpRequest) -> HttpResponse:
    lessons = [(lesson, PRESETS[lesson.slug]) for lesson in LESSONS]
    return render(request, "lessons/lesson_list.html", {"lessons": lessons})


@require_http_methods(["GET", "POST"])
def lesson_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """The lesson page (GET); the Run button posts here and gets the run panel back."""
    lesson = LESSONS_BY_SLUG.get(slug)
    if lesson is None:
        raise Http404("No such lesson.")
    asked = request.GET.get("preset", "")
    preset = get_preset(slug, asked)
    status = 200
    unknown_preset = ""
    if preset is None:
        # A broken link still gets the lesson, with the default preset and a word about it.
        preset, status, unknown_preset = get_preset(slug), 404, asked
    assert preset is not None
    backend = Backend.from_settings()
    ticket = None
    if request.method == "POST":
        if not request.user.is_authenticated:
            login = f"{reverse('login')}?next={request.get_full_path()}"
            if request.htmx:
                return HttpResponseClientRedirect(login)
            return redirect_to_login(request.get_full_path())
        form = DemoForm(request.POST, preset=preset, backend=backend)
        status = 400
        retry_after = None
        if form.is_valid():
            try:
                ticket = demo_run_start(
                    user_id=request.user.pk,
                    lesson=slug,
                    preset=preset.name,
                    prompt=form.cleaned_data["prompt"],
                    options=form.options(),
                )
                status = 200
            except RunRefused as refused:
                form.add_error(None, str(refused))
                status, retry_after = 429, refused.retry_after
    else:
        form = DemoForm(preset=preset, backend=backend)
    context = {
        "lesson": lesson,
        "preset": preset,
        "presets": PRESETS[slug],
        "form": form,
        "ticket": ticket,
        "backend": backend,
        "unknown_preset": unknown_preset,
        "sources": [source_of(preset.demo), *(source_of(helper) for helper in preset.helpers)],
        "prompt_limit": settings.LESSONS_PROMPT_MAX_LENGTH,
    }
    if request.method == "POST" and request.htmx:
        if ticket is not None:
            return render(request, f"{TEMPLATE}#run-panel", context)
        response = render(request, f"{TEMPLATE}#demo-form", context, status=status)
        response = reswap(retarget(response, "#demo-form"), "outerHTML")
    else:
        response = render(request, TEMPLATE, context, status=status)
    if status == 429 and retry_after:
        response["Retry-After"] = str(retry_after)
    return response


@require_GET
async def run_stream(request: HttpRequest, slug: str, run_id: uuid.UUID) -> HttpResponseBase:
    """The run's Server-Sent Events. Claimed once: a reconnect gets 204 and runs nothing."""
    user = await request.auser()
    if not user.is_authenticated:
        return HttpResponse("Log in to run the demos.", status=403, content_type="text/plain")
    ticket = await aticket_get(run_id)
    if ticket is None or ticket.user_id != user.pk or ticket.lesson != slug:
        raise Http404("No such run.")
    preset = get_preset(slug, ticket.preset)
    if preset is None:
        raise Http404("No such preset.")
    slot = await sync_to_async(slot_acquire)()
    if slot is None:
        return HttpResponse(
            "The demos are busy right now; try again in a few seconds.",
            status=429,
            content_type="text/plain",
            headers={"Retry-After": "5"},
        )
    if not await aticket_claim(run_id):
        await sync_to_async(slot_release)(slot)
        return HttpResponse(status=204)
    # Done with the database until the run is over: an open stream must not hold a connection.
    await sync_to_async(close_old_connections)()
    body = demo_stream(ticket=ticket, preset=preset, backend=Backend.from_settings(), slot=slot)
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
