from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from lessons.models import DemoRun


@admin.register(DemoRun)
class DemoRunAdmin(admin.ModelAdmin):
    """Read-only: runs are recorded by the streams, never edited."""

    list_display = [
        "started_at",
        "user",
        "lesson",
        "preset",
        "backend",
        "ttft_ms",
        "total_ms",
        "chunks",
        "outcome",
    ]
    list_filter = ["outcome", "lesson", "backend"]
    search_fields = ["user__username", "preset", "error"]
    date_hierarchy = "started_at"
    list_select_related = ["user"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: DemoRun | None = None) -> bool:
        return False
