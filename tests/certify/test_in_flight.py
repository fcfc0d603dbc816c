"""The bound on requests in flight (certify.middleware.InFlightLimitMiddleware): past it, a
fast 503 with Retry-After and the branded page; health probes still answer."""

from __future__ import annotations

import asyncio
from typing import Any
from unittest import mock

import pytest
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.test import AsyncClient, RequestFactory, override_settings
from django.urls import include, path

from certify import middleware

gate: dict[str, asyncio.Event] = {}


async def slow(request: HttpRequest) -> HttpResponse:
    await gate["open"].wait()
    return HttpResponse("done")


urlpatterns = [path("slow/", slow), path("", include("certify.urls"))]


async def in_flight(client: AsyncClient) -> asyncio.Task[Any]:
    """A request to the slow view, given a moment to reach it (or to wait for a place)."""
    request = asyncio.ensure_future(client.get("/slow/"))
    await asyncio.sleep(0.05)
    return request


@override_settings(
    ROOT_URLCONF=__name__, CERTIFY_MAX_REQUESTS_IN_FLIGHT=2, CERTIFY_IN_FLIGHT_WAIT=0.2
)
@pytest.mark.django_db
async def test_past_the_bound_a_request_is_answered_503_with_retry_after() -> None:
    gate["open"] = asyncio.Event()
    client = AsyncClient()
    busy = [asyncio.ensure_future(client.get("/slow/")) for _ in range(2)]
    await asyncio.sleep(0.05)  # both are in flight now

    refused = await client.get("/slow/")
    probe = await client.get("/health/", HTTP_ACCEPT="application/json")
    gate["open"].set()
    served = await asyncio.gather(*busy)
    after = await client.get("/slow/")

    assert refused.status_code == 503
    assert refused["Retry-After"] == "2"
    assert "certify is busy for a moment" in refused.content.decode()
    assert "tries again by itself in 2 seconds" in refused.content.decode()
    assert probe.status_code == 200
    assert [response.status_code for response in served] == [200, 200]
    assert after.status_code == 200


@override_settings(
    ROOT_URLCONF=__name__, CERTIFY_MAX_REQUESTS_IN_FLIGHT=1, CERTIFY_IN_FLIGHT_WAIT=2.0
)
@pytest.mark.django_db
async def test_a_request_waits_a_moment_for_a_place_before_it_is_refused() -> None:
    gate["open"] = asyncio.Event()
    client = AsyncClient()
    first = await in_flight(client)
    second = await in_flight(client)
    gate["open"].set()  # the first finishes; the waiting one takes its place

    assert [r.status_code for r in await asyncio.gather(first, second)] == [200, 200]


def test_the_busy_page_is_the_template_rendered_once_per_kind(settings) -> None:
    """A refusal costs less than the request it refuses: the page is rendered once (it names
    no user), and is the page the template makes, for a GET (it retries) and for a post."""
    settings.DEBUG = False
    middleware._busy_page.cache_clear()
    factory = RequestFactory()
    with mock.patch.object(middleware, "render_to_string", wraps=render_to_string) as renders:
        pages = [
            middleware.overloaded(request).content.decode()
            for request in (factory.get("/"), factory.post("/"), factory.get("/quiz/"))
        ]
    assert renders.call_count == 2  # one GET, one post: the second GET is the first's page
    assert pages[0] == pages[2] == render_to_string("503.html", {"retry_after": 2, "reload": True})
    assert pages[1] == render_to_string("503.html", {"retry_after": 2, "reload": False})
    assert "tries again by itself in 2 seconds" in pages[0]
    assert "tries again" not in pages[1]

    settings.CERTIFY_OVERLOAD_RETRY_AFTER = 7
    refused = middleware.overloaded(factory.get("/"))
    assert refused["Retry-After"] == "7"
    assert "tries again by itself in 7 seconds" in refused.content.decode()


def test_with_debug_on_the_busy_page_is_rendered_every_time(settings) -> None:
    """Template edits show at once while developing."""
    settings.DEBUG = True
    with mock.patch.object(middleware, "render_to_string", return_value="busy") as renders:
        for _ in range(2):
            middleware.overloaded(RequestFactory().get("/"))
    assert renders.call_count == 2


@override_settings(
    ROOT_URLCONF=__name__, CERTIFY_MAX_REQUESTS_IN_FLIGHT=1, CERTIFY_IN_FLIGHT_WAIT=0.2
)
@pytest.mark.django_db
async def test_a_request_counts_as_in_flight_from_its_wait_for_a_place_to_its_answer() -> None:
    gate["open"] = asyncio.Event()
    client = AsyncClient()
    first = await in_flight(client)
    second = await in_flight(client)  # waits for the place, then refused
    waiting = middleware.REQUESTS_IN_FLIGHT.count

    refused = await second
    after_refusal = middleware.REQUESTS_IN_FLIGHT.count
    gate["open"].set()
    await first

    assert (waiting, after_refusal) == (2, 1)
    assert refused.status_code == 503
    assert middleware.REQUESTS_IN_FLIGHT.count == 0


async def test_the_wait_for_the_requests_in_flight_ends_with_the_last_answer() -> None:
    requests = middleware.RequestsInFlight()
    await asyncio.wait_for(requests.answered(5), 0.1)  # none in flight: no wait at all
    requests.enter()
    requests.enter()
    waiting = asyncio.ensure_future(requests.answered(5))
    requests.leave()
    await asyncio.sleep(0.02)
    one_left = waiting.done()
    requests.leave()

    await asyncio.wait_for(waiting, 0.5)
    assert not one_left


async def test_a_request_that_is_never_answered_holds_the_wait_up_only_to_its_limit() -> None:
    requests = middleware.RequestsInFlight()
    requests.enter()
    loop = asyncio.get_running_loop()
    started = loop.time()

    await asyncio.wait_for(requests.answered(0.05), 1)

    assert loop.time() - started >= 0.05
