"""certify's URLs plus the platform emulator's, for the live server in the LTI tests."""

from django.urls import path

from certify.urls import urlpatterns as certify_urlpatterns
from tests.integrations import platform

urlpatterns = [
    *certify_urlpatterns,
    path("platform/jwks", platform.jwks),
    path("platform/auth", platform.authorize),
    path("platform/token", platform.token),
    path("platform/lineitems", platform.lineitems),
    path("platform/lineitems/<int:lineitem>/scores", platform.scores),
    path("platform/deep-link-return", platform.deep_link_return),
]
