"""The bound on requests in flight (certify.middleware.InFlightLimitMiddleware): past it, a
fast 503 with Retry-After and the branded page; health probes still answer."""

from __future__ import annotations

import asyncio

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import AsyncClient, override_settings
from django.urls import include, path

gate: dict[str, asyncio.Event] = {}


async def slow(request: HttpRequest) -> HttpResponse:
    await gate["open"].wait()
    return HttpResponse("done")


urlpatterns = [path("slow/", slow), path("", include("certify.urls"))]


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
    first = asyncio.ensure_future(client.get("/slow/"))
    await asyncio.sleep(0.05)
    second = asyncio.ensure_future(client.get("/slow/"))
    await asyncio.sleep(0.05)
    gate["open"].set()  # the first finishes; the waiting one takes its place

    assert [r.status_code for r in await asyncio.gather(first, second)] == [200, 200]
