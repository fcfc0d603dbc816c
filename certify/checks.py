"""Deploy checks for the async-native middleware (certify/middleware.py).

Django's security checks find its middleware by exact dotted path, so with subclasses in
MIDDLEWARE they would pass without looking (no HSTS, no secure CSRF cookie: no warning). This
check runs them again with each of our classes read as the Django class it extends. Django's
three "middleware missing" warnings are silenced in settings in favour of `certify.W001`, which
asks for our classes instead.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core.checks import CheckMessage, Tags, Warning, register
from django.core.checks.security import base, csrf
from django.test.utils import override_settings

STANDS_FOR = {
    "certify.middleware.SecurityMiddleware": "django.middleware.security.SecurityMiddleware",
    "certify.middleware.CsrfViewMiddleware": "django.middleware.csrf.CsrfViewMiddleware",
    "certify.middleware.XFrameOptionsMiddleware": (
        "django.middleware.clickjacking.XFrameOptionsMiddleware"
    ),
    "certify.middleware.SessionMiddleware": "django.contrib.sessions.middleware.SessionMiddleware",
}
# The ones whose absence Django's silenced security.W001 to W003 would have reported.
REQUIRED = list(STANDS_FOR)[:3]
# The Content-Security-Policy (django-csp's middleware, wrapped the same way).
CSP = "certify.middleware.CSPMiddleware"

SETTING_CHECKS: Sequence[Callable[..., Sequence[CheckMessage]]] = (
    base.check_sts,
    base.check_sts_include_subdomains,
    base.check_sts_preload,
    base.check_content_type_nosniff,
    base.check_ssl_redirect,
    base.check_xframe_deny,
    base.check_referrer_policy,
    base.check_cross_origin_opener_policy,
    csrf.check_csrf_cookie_secure,
)


@register(Tags.security, deploy=True)
def check_async_middleware(
    app_configs: Sequence[AppConfig] | None, **kwargs: Any
) -> list[CheckMessage]:
    messages: list[CheckMessage] = [
        Warning(
            f"{path} is not in MIDDLEWARE: the protection of "
            f"{STANDS_FOR[path].rsplit('.', 1)[1]} is missing.",
            id="certify.W001",
        )
        for path in REQUIRED
        if path not in settings.MIDDLEWARE
    ]
    if CSP not in settings.MIDDLEWARE:
        messages.append(
            Warning(
                f"{CSP} is not in MIDDLEWARE: pages go out without a Content-Security-Policy.",
                id="certify.W002",
            )
        )
    stock = [STANDS_FOR.get(path, path) for path in settings.MIDDLEWARE]
    with override_settings(MIDDLEWARE=stock):
        for check in SETTING_CHECKS:
            messages += check(app_configs)
    return messages
