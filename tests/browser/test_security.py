"""The Content-Security-Policy in a real browser: an inline script is refused, and the browser
tests' page fixture notices (it fails any test whose pages met a violation)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_an_injected_inline_script_is_refused_and_noticed(page, live_asgi: str) -> None:
    page.goto(f"{live_asgi}/")
    page.evaluate(
        """() => {
          const script = document.createElement("script");
          script.textContent = "window.injected = true";
          document.body.append(script);
        }"""
    )
    page.wait_for_function("() => true")

    assert page.evaluate("() => window.injected === undefined")
    page.wait_for_timeout(200)
    assert any("script-src" in text for text in page.csp_violations)
    page.csp_violations.clear()  # seen: the fixture need not fail this test


def test_htmx_works_under_the_policy(page, live_asgi: str) -> None:
    page.goto(f"{live_asgi}/")
    assert page.evaluate("() => typeof htmx === 'object' && htmx.config.allowEval === false")
    assert page.evaluate("() => htmx.config.includeIndicatorStyles === false")
