"""A generated item's scenario in Chromium: its "see it live" link opens the program that keyed
it, and running it streams exactly what the item's key says it prints."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from lessons.scenarios.registry import variant_for
from tests.conftest import login_in_browser

pytestmark = pytest.mark.browser

PRESET = "handoff-events__c1-first-direct__travel"


def test_a_scenario_preset_streams_its_program_as_keyed(
    live_asgi: str, page, learner, password: str, settings
) -> None:
    settings.LESSONS_OFFLINE_FIRST_TOKEN_DELAY = 0.05
    settings.LESSONS_OFFLINE_TOKEN_DELAY = 0.01
    variant = variant_for("streaming-with-handoffs", PRESET)
    assert variant is not None
    # Playwright keeps a loop running on this thread: derive the outcome in another.
    with ThreadPoolExecutor(1) as pool:
        outcome = pool.submit(variant.outcome).result()

    login_in_browser(page, live_asgi, learner, password)
    page.goto(f"{live_asgi}/lessons/streaming-with-handoffs/?preset={PRESET}")
    assert "Runner.run_streamed(triage" in page.locator(".source-code").inner_text()
    page.get_by_role("button", name="Run").click()
    page.wait_for_function(
        "() => document.getElementById('run-status')?.textContent.includes('Done')"
    )

    shown = page.locator("#out-main").inner_text().split("\n")
    assert [line for line in shown if line] == list(outcome.printed)
    assert "handoff_occured" in page.locator("#event-log").inner_text()
