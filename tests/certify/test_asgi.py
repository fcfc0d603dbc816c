"""The stack stays fully async: a streaming view must not be pushed into a thread."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import AsyncClient
from django.utils.module_loading import import_string


def test_every_middleware_is_async_capable() -> None:
    sync_only = [
        path
        for path in settings.MIDDLEWARE
        if not getattr(import_string(path), "async_capable", False)
    ]
    assert sync_only == []


@pytest.mark.django_db
async def test_static_files_are_served_asynchronously(async_client: AsyncClient) -> None:
    response = await async_client.get("/static/css/site.css")
    assert response.status_code == 200
    assert response.is_async
    body = b"".join([chunk async for chunk in response.streaming_content])
    assert b".site-header" in body
    assert response["Content-Type"].startswith("text/css")


@pytest.mark.django_db
async def test_htmx_and_its_sse_extension_are_on_every_page(async_client: AsyncClient) -> None:
    html = (await async_client.get("/")).content.decode()
    assert "django_htmx/htmx-2.min.js" in html
    assert "django_htmx/ext/hx-sse-2.min.js" in html
    assert 'hx-headers=\'{"X-CSRFToken": "' in html
