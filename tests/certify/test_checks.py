"""Deploy checks see through the async-native middleware to the stock classes they extend."""

from __future__ import annotations

from django.utils.module_loading import import_string

from certify.checks import CSP, REQUIRED, STANDS_FOR, check_async_middleware


def _ids() -> set[str]:
    return {message.id for message in check_async_middleware(None) if message.id}


def test_each_class_stands_for_the_stock_class_it_extends() -> None:
    for ours, stock in STANDS_FOR.items():
        assert issubclass(import_string(ours), import_string(stock))


def test_production_settings_pass(settings) -> None:
    settings.SECURE_HSTS_SECONDS = 3600
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    settings.SECURE_SSL_REDIRECT = True
    settings.CSRF_COOKIE_SECURE = True

    assert _ids() == set()


def test_weak_settings_are_reported_through_our_classes(settings) -> None:
    settings.SECURE_HSTS_SECONDS = 0
    settings.X_FRAME_OPTIONS = "SAMEORIGIN"
    settings.CSRF_COOKIE_SECURE = False

    assert {"security.W004", "security.W019", "security.W016"} <= _ids()


def test_a_missing_protection_is_named(settings) -> None:
    for dotted in REQUIRED:
        settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != dotted]
        assert "certify.W001" in _ids()
    assert len(REQUIRED) == 3


def test_a_missing_content_security_policy_is_named(settings) -> None:
    assert "certify.W002" not in _ids()
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != CSP]
    assert "certify.W002" in _ids()
