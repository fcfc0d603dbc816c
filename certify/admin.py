"""Certificates in admin: read-only records that instructors can revoke, with a reason.

Nothing about a certificate is edited by hand; the change form offers one thing, a reason to
revoke it, and saving calls `certificate_revoke`. Certificates are never deleted here: a revoked
one keeps saying so on its public page.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from certify.models import Certificate, PeriodicTask
from certify.services import CertificateError, certificate_revoke

FACTS = [
    "code",
    "verification_page",
    "learner",
    "holder_name",
    "issued_at",
    "score_line",
    "category_lines",
    "sdk_version",
    "status",
    "revoked_at",
    "revoked_reason",
]


class CertificateRevokeForm(forms.ModelForm):
    revoke_reason = forms.CharField(
        label="Revoke with this reason",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Leave empty to keep the certificate valid. The public page will say it was "
        "revoked and when; the reason stays here.",
    )

    class Meta:
        model = Certificate
        fields: list[str] = []

    def clean_revoke_reason(self) -> str:
        reason = self.cleaned_data["revoke_reason"].strip()
        if reason and not self.instance.is_valid:
            raise forms.ValidationError("This certificate is already revoked.")
        return reason


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin):
    form = CertificateRevokeForm
    list_display = ["code", "holder_name", "issued_at", "score_line", "status", "revoked_at"]
    list_filter = ["status", "issued_at"]
    list_select_related = ["attempt__user"]
    search_fields = ["code", "holder_name", "attempt__user__username", "attempt__user__email"]
    date_hierarchy = "issued_at"
    readonly_fields = FACTS

    def get_fieldsets(self, request: HttpRequest, obj: Certificate | None = None) -> Any:
        fieldsets: list[Any] = [(None, {"fields": FACTS})]
        if obj is not None and obj.is_valid:
            fieldsets.append(("Revoke", {"fields": ["revoke_reason"]}))
        return fieldsets

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def save_model(
        self, request: HttpRequest, obj: Certificate, form: forms.ModelForm, change: bool
    ) -> None:
        reason = form.cleaned_data.get("revoke_reason", "")
        if not reason:
            return
        try:
            certificate_revoke(certificate_id=obj.pk, reason=reason)
        except CertificateError as error:
            messages.error(request, str(error))
            return
        obj.refresh_from_db()
        messages.success(request, f"Certificate {obj.code} is revoked.")

    @admin.display(description="Public page")
    def verification_page(self, certificate: Certificate) -> str:
        url = certificate.get_absolute_url()
        return format_html('<a href="{}">{}</a>', url, url)

    @admin.display(description="Learner", ordering="attempt__user__username")
    def learner(self, certificate: Certificate) -> str:
        user = certificate.attempt.user
        url = reverse("admin:questions_attempt_change", args=[certificate.attempt_id])
        return format_html('{} (attempt <a href="{}">#{}</a>)', user, url, certificate.attempt_id)

    @admin.display(description="Score", ordering="score")
    def score_line(self, certificate: Certificate) -> str:
        return f"{certificate.score}% ({certificate.correct_count}/{certificate.question_count})"

    @admin.display(description="By category")
    def category_lines(self, certificate: Certificate) -> str:
        return "; ".join(
            f"{line.name} {line.score.percent}% ({line.score.correct}/{line.score.total})"
            for line in certificate.categories
        )


@admin.register(PeriodicTask)
class PeriodicTaskAdmin(admin.ModelAdmin):
    """The periodic tasks' schedule, read-only: the task worker keeps it (its runs are under
    Task results)."""

    list_display = ["task_path", "last_queued_at", "next_run_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: PeriodicTask | None = None) -> bool:
        return False
