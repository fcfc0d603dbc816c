"""`{{ metrics|metrics_panel }}`: the page's first metrics panel is the live one's markup."""

from __future__ import annotations

from django.template import engines

from lessons.events import Metrics
from lessons.fragments import metrics_panel


def render(metrics: Metrics | None) -> str:
    template = engines["django"].from_string("{% load lesson_tags %}{{ metrics|metrics_panel }}")
    return template.render({"metrics": metrics})


def test_the_filter_renders_the_same_panel_as_the_live_events() -> None:
    figures = Metrics(elapsed_ms=800, ttft_ms=400, chunks=9, tokens_per_s=20.0)
    assert render(figures) == metrics_panel(figures)
    assert render(None) == metrics_panel(None)
    assert render(None).count("&ndash;") == 5  # not escaped twice
