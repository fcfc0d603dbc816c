from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class CertifyConfig(AppConfig):
    name = "certify"
    default = True
    verbose_name = "Learners and certificates"

    def ready(self) -> None:
        from certify import checks  # noqa: F401  (registers the deploy checks)
        from certify.accounts import lockout_cache_use

        lockout_cache_use()


class CertifyAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with certify's site: behind allauth's login and 2FA for staff."""

    default = False
    default_site = "certify.accounts.AdminSite"
