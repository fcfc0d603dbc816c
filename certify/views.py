from __future__ import annotations

import sys

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.module_loading import import_string
from django.views.decorators.http import require_GET, require_http_methods
from prometheus_client import CONTENT_TYPE_LATEST

from certify import operations
from certify.dashboard import dashboard_for
from certify.forms import AccountForm, SignupForm
from certify.models import Certificate
from certify.pdf import CertificateFacts, certificate_pdf
from lessons.catalog import LESSONS


class AuthenticatedRequest(HttpRequest):
    user: User


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "certify/home.html", {"lessons": LESSONS})


@login_required
@require_GET
def dashboard(request: AuthenticatedRequest) -> HttpResponse:
    """The signed-in learner's own progress; there is no way to ask for anyone else's."""
    return render(request, "certify/dashboard.html", {"board": dashboard_for(request.user)})


# Certificates: public to anyone with the code, which is the only key. An unknown code is a
# plain 404 that says nothing about which codes exist.


def _certificate_or_404(code: str) -> Certificate:
    return get_object_or_404(Certificate, code=code)


def _certificate_page(request: HttpRequest, code: str, template: str) -> HttpResponse:
    certificate = _certificate_or_404(code)
    context = {"certificate": certificate, "verify_url": _verify_url(request, certificate)}
    return render(request, template, context)


@require_GET
def certificate_verify(request: HttpRequest, code: str) -> HttpResponse:
    """The public page, with any sections the apps above add through
    CERTIFY_CERTIFICATE_PAGE_SECTIONS (e.g. the Open Badge and its verification)."""
    certificate = _certificate_or_404(code)
    sections = [
        import_string(path)(request, certificate)
        for path in getattr(settings, "CERTIFY_CERTIFICATE_PAGE_SECTIONS", ())
    ]
    context = {
        "certificate": certificate,
        "verify_url": _verify_url(request, certificate),
        "sections": sections,
    }
    return render(request, "certify/certificate_verify.html", context)


@require_GET
def certificate_print(request: HttpRequest, code: str) -> HttpResponse:
    return _certificate_page(request, code, "certify/certificate_print.html")


@require_GET
def certificate_download(request: HttpRequest, code: str) -> HttpResponse:
    certificate = _certificate_or_404(code)
    facts = CertificateFacts(
        code=certificate.code,
        holder_name=certificate.holder_name,
        issued_at=certificate.issued_at,
        overall=certificate.overall,
        categories=certificate.categories,
        overall_threshold=certificate.overall_threshold,
        category_threshold=certificate.category_threshold,
        sdk_version=certificate.sdk_version,
        verify_url=_verify_url(request, certificate),
        revoked_at=certificate.revoked_at,
        estimates=certificate.estimate_rows,
        p_ready=certificate.p_ready if certificate.is_adaptive else None,
    )
    response = HttpResponse(certificate_pdf(facts), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="certificate-{certificate.code}.pdf"'
    return response


def _verify_url(request: HttpRequest, certificate: Certificate) -> str:
    return request.build_absolute_uri(certificate.get_absolute_url())


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("home")
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = ""
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, f"Welcome, {user.get_username()}! Your account is ready.")
        return redirect(next_url or "home")
    return render(request, "registration/signup.html", {"form": form, "next": next_url})


@login_required
@require_http_methods(["GET", "POST"])
def account(request: AuthenticatedRequest) -> HttpResponse:
    """Your name on certificates and your email; a bad form saves nothing and says why."""
    form = AccountForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Your account is saved.")
        return redirect("account")
    return render(request, "registration/account.html", {"form": form})


def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus metrics: staff, or the scraper's network (CERTIFY_METRICS_NETWORKS)."""
    if not operations.may_read_metrics(request):
        return HttpResponse("Metrics are for staff and the monitoring network.", status=403)
    return HttpResponse(operations.metrics_text(), content_type=CONTENT_TYPE_LATEST)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: the branded page. When the database is away (a restart, a failover), the
    answer is a 503 with Retry-After instead: it is not a bug, and the pages retry a 503. If
    even the page cannot be drawn, a plain one: this handler must never fail itself."""
    error = sys.exc_info()[1]
    database_away = isinstance(error, OperationalError | InterfaceError)
    status = 503 if database_away else 500
    html: str
    try:
        html = render_to_string(
            "503.html" if database_away else "500.html",
            {"retry_after": 5, "reload": request.method == "GET"},
        )
    except Exception:  # the page's own parts are broken: say it plainly
        html = FALLBACK_ERROR_PAGE.format(status=status)
    response = HttpResponse(html, status=status)
    if database_away:
        response["Retry-After"] = "5"
    return response


FALLBACK_ERROR_PAGE = (
    "<!doctype html><html lang=en><meta charset=utf-8><title>certify</title>"
    "<h1>certify could not answer ({status})</h1><p>Every answer it confirmed as saved is kept."
    " Try again in a moment.</p></html>"
)
