from django.urls import path
from lti_tool.views import jwks

from integrations.views import badges, lti

app_name = "integrations"

urlpatterns = [
    path("badges/issuer", badges.issuer, name="issuer"),
    path("badges/issuer/jwks.json", badges.issuer_jwks, name="issuer_jwks"),
    path("badges/issuer/keys/<str:thumbprint>", badges.issuer_key, name="issuer_key"),
    path("badges/achievement", badges.achievement, name="achievement"),
    path("badges/achievement.png", badges.achievement_image, name="achievement_image"),
    path("badges/status/revocation", badges.status_list, name="status_list"),
    path("badges/check/", badges.credential_check, name="credential_check"),
    path(
        "certificates/<slug:code>/credential.json",
        badges.credential_json,
        name="credential_json",
    ),
    path("certificates/<slug:code>/credential.jwt", badges.credential_jwt, name="credential_jwt"),
    path("certificates/<slug:code>/badge.png", badges.badge_png, name="badge_png"),
    path("certificates/<slug:code>/badge.svg", badges.badge_svg, name="badge_svg"),
    # The LTI 1.3 tool.
    path("lti/jwks.json", jwks, name="lti_jwks"),
    path("lti/login/<uuid:registration_uuid>/", lti.lti_login, name="lti_login"),
    path("lti/launch/", lti.lti_launch, name="lti_launch"),
    path("lti/deep-link/", lti.lti_deep_link, name="lti_deep_link"),
    path("lti/quiz/<slug:slug>/", lti.lti_quiz, name="lti_quiz"),
]
