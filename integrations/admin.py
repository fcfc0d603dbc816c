"""Open Badges records in admin, read-only: credentials are signed by services, never by hand,
and a private key is never shown."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from integrations.models import BadgeCredential, IssuerKey


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
