"""Accounts on django-allauth: the lockout's cache, failed logins logged, verified email as the
gate of the certification exam, and two-factor authentication before the admin opens.

allauth does the work (its views, forms, login stages and rate limits); this module holds
certify's policy around it. The lockout is allauth's `login_failed` rate limit (settings:
CERTIFY_LOGIN_*): a failure is counted before the password is checked, so once an account (or
an address) has used up its failures every attempt is refused until the cool-off has passed,
whatever the password. The counts live in the cache alias CERTIFY_LOCKOUT_CACHE, shared by every
worker, not in the lessons' cache.
"""

from __future__ import annotations

import logging
from typing import Any, cast

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.decorators import secure_admin_login
from allauth.account.internal.userkit import filter_users_by_email
from allauth.account.models import EmailAddress
from allauth.core.internal import ratelimit
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.core.cache import caches
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.connection import ConnectionProxy
from django.utils.module_loading import import_string

log = logging.getLogger("certify.accounts")

UNVERIFIED_EXAM = (
    "The certification exam needs a verified email address: a certificate names you and your "
    "address. Open the link we emailed you, or send the email again."
)


def lockout_cache_use() -> None:
    """Point allauth's rate limits (the lockout among them) at the lockout's cache alias.

    allauth reads `django.core.cache.cache` (the default alias); certify's default cache is the
    lessons' (process memory without Redis), which would let each worker count on its own.
    Called once from CertifyConfig.ready().
    """
    ratelimit.cache = ConnectionProxy(caches, settings.CERTIFY_LOCKOUT_CACHE)


def _login_name(credentials: dict[str, Any]) -> str:
    return str(credentials.get("email") or credentials.get("username") or "")


def _account_key(login: str) -> str:
    """The lockout's key: the account a login names (by username or by email), so that
    spelling one account two ways does not double its tries; the text itself if none."""
    login = login.strip().lower()
    users = (
        filter_users_by_email(login)
        if "@" in login
        else list(get_user_model().objects.filter(username__iexact=login)[:1])
    )
    return f"account:{users[0].pk}" if len(users) == 1 else f"login:{login}"


class AccountAdapter(DefaultAccountAdapter):
    """allauth's adapter, with failed logins and lockouts logged (the password never), and the
    lockout counted per account."""

    def _get_login_attempts_cache_key(self, request: HttpRequest, **credentials: Any) -> str:
        return _account_key(_login_name(credentials))

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError:
            log.warning(
                "login refused: %s is locked out for the cool-off",
                _login_name(credentials),
                extra={"login": _login_name(credentials), "event": "lockout"},
            )
            raise

    def authentication_failed(self, request: HttpRequest, **credentials: Any) -> None:
        log.warning(
            "login failed for %s",
            _login_name(credentials),
            extra={"login": _login_name(credentials), "event": "login_failed"},
        )


def identity_verified(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Whether the user's email is verified (by link or code), or their identity asserted by
    a system that signed them in (CERTIFY_IDENTITY_ASSERTED, e.g. a registered LMS)."""
    if not user.is_authenticated:
        return False
    if EmailAddress.objects.filter(user_id=user.pk, verified=True).exists():
        return True
    return any(
        import_string(path)(user) for path in getattr(settings, "CERTIFY_IDENTITY_ASSERTED", ())
    )


def certification_refusal(user: AbstractBaseUser) -> str | None:
    """QUESTIONS_CERTIFICATION_GATE: why `user` may not start a certification attempt yet."""
    return None if identity_verified(user) else UNVERIFIED_EXAM


def verification_resend(request: HttpRequest, user: AbstractBaseUser) -> bool:
    """Send the verification email for the user's unverified primary address again; False if
    there is none (allauth's own rate limit holds the resends to one per cool-down)."""
    address = (
        EmailAddress.objects.filter(user_id=user.pk, verified=False)
        .order_by("-primary", "pk")
        .first()
    )
    if address is None:
        return False
    address.send_confirmation(request)
    return True


def needs_second_factor(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Staff must have two-factor authentication on before the admin opens."""
    return bool(user.is_authenticated and getattr(user, "is_staff", False)) and not is_mfa_enabled(
        user
    )


class AdminSite(admin.AdminSite):
    """Django's admin behind allauth's login (the lockout and 2FA apply there too) and open
    only to staff whose two-factor authentication is on; staff without it are sent to turn it
    on. CertifyAdminConfig makes this the default site."""

    def has_permission(self, request: HttpRequest) -> bool:
        if not super().has_permission(request):
            return False
        # Asked several times a page: the answer is kept for the request.
        known = getattr(request, "_certify_second_factor", None)
        if known is None:
            known = not needs_second_factor(request.user)
            request._certify_second_factor = known  # type: ignore[attr-defined]
        return bool(known)

    def login(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if needs_second_factor(request.user):
            messages.warning(request, SECOND_FACTOR_NEEDED)
            return redirect("mfa_index")
        view = secure_admin_login(super().login)
        return cast(HttpResponse, view(request, extra_context))


SECOND_FACTOR_NEEDED = (
    "The admin opens once two-factor authentication is on for your account: set up an "
    "authenticator app below, then open the admin again."
)
