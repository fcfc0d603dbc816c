"""Integrations in admin. Open Badges records are read-only (credentials are signed by services,
never by hand, and a private key is never shown); LTI registrations, course links and grade
passback are below."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib import admin
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from lti_tool.admin import LtiDeploymentInline, LtiRegistrationAdmin
from lti_tool.models import LtiRegistration

from integrations import links
from integrations.models import BadgeCredential, GradePassback, IssuerKey, LinkTarget, PlatformFrame
from integrations.services.grades import grade_passback_retry, grade_passback_send


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(BadgeCredential)
class BadgeCredentialAdmin(ReadOnlyAdmin):
    list_display = ["certificate", "issued_at", "status_index", "key"]
    list_select_related = ["certificate", "key"]
    search_fields = ["certificate__code", "certificate__holder_name"]
    fields = ["certificate", "issued_at", "status_index", "subject_id", "key", "jws"]


@admin.register(IssuerKey)
class IssuerKeyAdmin(ReadOnlyAdmin):
    list_display = ["thumbprint", "created_at", "retired_at"]
    fields = ["thumbprint", "created_at", "retired_at"]


# LTI: platform registrations (django-lti's admin, with the frame origins inline), the course
# links' targets, and grade passback, which staff can see and send again.


HTTPS_URLS: Mapping[type[models.Field[Any, Any]], Mapping[str, Any]] = {
    models.URLField: {"assume_scheme": "https"}
}


class DeploymentInline(LtiDeploymentInline):
    formfield_overrides = HTTPS_URLS


class PlatformFrameInline(admin.StackedInline):
    model = PlatformFrame
    can_delete = False
    verbose_name = "Frame origins"
    verbose_name_plural = "Frame origins"


admin.site.unregister(LtiRegistration)


@admin.register(LtiRegistration)
class RegistrationAdmin(LtiRegistrationAdmin):
    formfield_overrides = HTTPS_URLS
    inlines = [DeploymentInline, PlatformFrameInline]

    @admin.display(description="Login initiation URL")
    def login_url(self, registration: LtiRegistration) -> str:
        return links.absolute(reverse("integrations:lti_login", args=[registration.uuid]))

    readonly_fields = ["login_url"]
    fieldsets = [
        (None, {"fields": ["login_url"]}),
        *LtiRegistrationAdmin.fieldsets,
    ]


@admin.register(GradePassback)
class GradePassbackAdmin(admin.ModelAdmin):
    list_display = ["attempt", "learner", "score", "status", "tries", "next_try_at", "sent_at"]
    list_filter = ["status"]
    list_select_related = ["attempt__user", "link"]
    search_fields = ["attempt__user__username", "link__lineitem_url"]
    readonly_fields = [
        "attempt",
        "link",
        "score_given",
        "score_maximum",
        "status",
        "tries",
        "next_try_at",
        "last_error",
        "created_at",
        "sent_at",
    ]
    actions = ["send_again"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description="Learner", ordering="attempt__user__username")
    def learner(self, passback: GradePassback) -> str:
        return str(passback.attempt.user)

    @admin.display(description="Score")
    def score(self, passback: GradePassback) -> str:
        return f"{passback.score_given}/{passback.score_maximum}"

    @admin.action(description="Send the selected scores again now")
    def send_again(self, request: HttpRequest, queryset: QuerySet[GradePassback]) -> None:
        sent = 0
        for passback in queryset.exclude(status=GradePassback.Status.SENT):
            grade_passback_retry(passback_id=passback.pk)
            if grade_passback_send(passback_id=passback.pk).status == GradePassback.Status.SENT:
                sent += 1
        self.message_user(request, f"Sent {sent} of {queryset.count()} selected scores.")


@admin.register(LinkTarget)
class LinkTargetAdmin(admin.ModelAdmin):
    list_display = ["resource_link", "kind", "slug"]
    list_filter = ["kind"]
