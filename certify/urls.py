from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from certify import operations, views
from questions.capacity import one_at_a_time

urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("certificates/<slug:code>/", views.certificate_verify, name="certificate_verify"),
    path("certificates/<slug:code>/print/", views.certificate_print, name="certificate_print"),
    path("certificates/<slug:code>/pdf/", views.certificate_download, name="certificate_pdf"),
    # Accounts: allauth's pages, the two entrances under the names certify always had.
    path("accounts/signup/", one_at_a_time(views.SignupView.as_view()), name="signup"),
    path("accounts/login/", one_at_a_time(views.LoginView.as_view()), name="login"),
    path("accounts/me/", views.account, name="account"),
    path("accounts/verify/resend/", views.verification_resend, name="verification_resend"),
    # The addresses of Django's own account pages, which certify served before.
    path("accounts/password_change/", RedirectView.as_view(pattern_name="account_change_password")),
    path("accounts/password_reset/", RedirectView.as_view(pattern_name="account_reset_password")),
    path("accounts/", include("allauth.urls")),
    path("lessons/", include("lessons.urls")),
    path("quizzes/", include("questions.urls")),
    path("admin/", admin.site.urls),
    path("health/", operations.health_live, name="health"),
    path("health/ready/", operations.health_ready, name="health_ready"),
    path("health/worker/", operations.health_workers, name="health_workers"),
    path("metrics/", views.metrics, name="metrics"),
    path("csp-report/", views.csp_report, name="csp_report"),
    # Open Badges and LMS launches, on top of everything above.
    path("", include("integrations.urls")),
]

handler500 = "certify.views.server_error"

admin.site.site_header = "certify administration"
admin.site.site_title = "certify admin"
admin.site.index_title = "Question bank, quizzes and learners"
