from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

pytestmark = pytest.mark.browser


def test_sign_up_through_the_real_page(page, live_asgi: str) -> None:
    page.goto(f"{live_asgi}/")
    page.get_by_role("link", name="Sign up").click()
    page.get_by_label("Username").fill("margaret")
    page.get_by_label("Email").fill("margaret@example.com")
    page.get_by_label("First name").fill("Margaret")
    page.get_by_label("Password:", exact=True).fill("apollo-guidance-computer-1969")
    page.get_by_label("Password confirmation").fill("apollo-guidance-computer-1969")
    page.get_by_role("button", name="Sign up").click()

    page.wait_for_url(f"{live_asgi}/")
    assert page.get_by_text("Welcome, margaret!").is_visible()
    assert page.get_by_role("button", name="Log out").is_visible()
    assert get_user_model().objects.filter(username="margaret").exists()
    # The stylesheet came through the async static files middleware.
    background = page.evaluate(
        "getComputedStyle(document.querySelector('.site-header')).borderBottomStyle"
    )
    assert background == "solid"


def test_sign_up_errors_are_shown_next_to_the_field(page, live_asgi: str) -> None:
    page.goto(f"{live_asgi}/accounts/signup/")
    page.get_by_label("Username").fill("alan")
    page.get_by_label("Email").fill("alan@example.com")
    page.get_by_label("Password:", exact=True).fill("short")
    page.get_by_label("Password confirmation").fill("short")
    page.get_by_role("button", name="Sign up").click()

    error = page.locator(".field-invalid .errorlist").first
    assert "too short" in error.inner_text()
    assert page.get_by_label("Password confirmation").get_attribute("aria-invalid") == "true"
    assert not get_user_model().objects.filter(username="alan").exists()
