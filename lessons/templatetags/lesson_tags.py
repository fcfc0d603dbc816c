from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from lessons.events import Metrics
from lessons.fragments import metrics_panel as build_metrics_panel

register = template.Library()


@register.filter
def metrics_panel(metrics: Metrics | None) -> SafeString:
    """`{{ metrics|metrics_panel }}`: the same panel the live metrics events swap in."""
    return build_metrics_panel(metrics)
