from django.apps import AppConfig


class CertifyConfig(AppConfig):
    name = "certify"
    verbose_name = "Learners and certificates"

    def ready(self) -> None:
        from certify import checks  # noqa: F401  (registers the deploy checks)
