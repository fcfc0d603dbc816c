from django.apps import AppConfig


class CertifyConfig(AppConfig):
    name = "certify"
    verbose_name = "Learners and certificates"
