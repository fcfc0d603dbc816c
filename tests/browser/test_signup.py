from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

pytestmark = pytest.mark.browser


def test_sign_up_through_the_real_page(page, live_asgi: str) -> None:
    page.goto(f"{live_asgi}/")
    page.get_by_role("link", name="Sign up").click()
    page.get_by_label("Username").fill("margaret")
    page.get_by_label("Email").fill("margaret@example.com")
    page.get_by_label("First name").fill("Margaret")
    page.get_by_label("Password:", exact=True).fill("apollo-guidance-computer-1969")
    page.get_by_label("Password (again):").fill("apollo-guidance-computer-1969")
    page.get_by_role("button", name="Sign up").click()

    # The address is verified first: the emailed link signs the new learner in.
    page.wait_for_url(f"{live_asgi}/accounts/confirm-email/")
    assert page.get_by_role("heading", name="Verify Your Email Address").is_visible()
    assert get_user_model().objects.filter(username="margaret").exists()
    [message] = [m for m in mail.outbox if m.to == ["margaret@example.com"]]
    link = re.search(r"http://\S+/accounts/confirm-email/\S+/", str(message.body))
    assert link
    page.goto(link.group(0))
    page.get_by_role("button", name="Confirm").click()

    page.wait_for_url(f"{live_asgi}/")
    assert page.get_by_role("button", name="Log out").is_visible()
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
    page.get_by_label("Password (again):").fill("shorter")
    page.get_by_role("button", name="Sign up").click()

    errors = page.locator(".field-invalid .errorlist")
    assert "too short" in errors.nth(0).inner_text()
    assert "same password" in errors.nth(1).inner_text()
    assert page.get_by_label("Password:", exact=True).get_attribute("aria-invalid") == "true"
    assert page.get_by_label("Password (again):").get_attribute("aria-invalid") == "true"
    assert not get_user_model().objects.filter(username="alan").exists()
