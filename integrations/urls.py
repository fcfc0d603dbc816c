from django.urls import path

from integrations import views

app_name = "integrations"

urlpatterns = [
    path("badges/issuer", views.issuer, name="issuer"),
    path("badges/issuer/jwks.json", views.issuer_jwks, name="issuer_jwks"),
    path("badges/issuer/keys/<str:thumbprint>", views.issuer_key, name="issuer_key"),
    path("badges/achievement", views.achievement, name="achievement"),
    path("badges/achievement.png", views.achievement_image, name="achievement_image"),
    path("badges/status/revocation", views.status_list, name="status_list"),
    path("badges/check/", views.credential_check, name="credential_check"),
    path(
        "certificates/<slug:code>/credential.json",
        views.credential_json,
        name="credential_json",
    ),
    path("certificates/<slug:code>/credential.jwt", views.credential_jwt, name="credential_jwt"),
    path("certificates/<slug:code>/badge.png", views.badge_png, name="badge_png"),
    path("certificates/<slug:code>/badge.svg", views.badge_svg, name="badge_svg"),
]
