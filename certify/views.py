from __future__ import annotations

import sys
from http import HTTPStatus

from allauth.account import views as allauth_views
from allauth.account.app_settings import EmailVerificationMethod
from allauth.account.internal.flows.signup import complete_signup
from allauth.account.models import EmailAddress
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import NON_FIELD_ERRORS
from django.db import InterfaceError, OperationalError
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.module_loading import import_string
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from prometheus_client import CONTENT_TYPE_LATEST

from certify import accounts, operations, security
from certify.dashboard import dashboard_for
from certify.forms import AccountForm
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


class LoginView(allauth_views.LoginView):
    """allauth's login; a login refused by the lockout answers 429 Too Many Requests."""

    def form_invalid(self, form: Form) -> HttpResponse:
        response = super().form_invalid(form)
        if form.has_error(NON_FIELD_ERRORS, code="too_many_login_attempts"):
            response.status_code = HTTPStatus.TOO_MANY_REQUESTS
        return response


class SignupView(allauth_views.SignupView):
    """allauth's sign-up. Every sign-up, new address or taken, ends on the page that asks to
    open the emailed link (a new account is signed in by that link), so the answer never
    tells whether an address is registered."""

    def form_valid(self, form: Form) -> HttpResponse:
        self.user, response = form.try_save(self.request)  # type: ignore[attr-defined]
        if response:
            return response
        try:
            return complete_signup(
                self.request,
                user=self.user,
                redirect_url=self.get_success_url(),
                email_verification=EmailVerificationMethod.MANDATORY,
            )
        except ImmediateHttpResponse as error:
            return error.response


@login_required
@require_http_methods(["GET", "POST"])
def account(request: AuthenticatedRequest) -> HttpResponse:
    """Your name on certificates; your email (verified or not), password and 2FA are a link
    away. A bad form saves nothing and says why."""
    form = AccountForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Your account is saved.")
        return redirect("account")
    context = {
        "form": form,
        "email": EmailAddress.objects.filter(user_id=request.user.pk, primary=True).first(),
        "verified": accounts.identity_verified(request.user),
        "second_factor": is_mfa_enabled(request.user),
    }
    return render(request, "registration/account.html", context)


@login_required
@require_POST
def verification_resend(request: AuthenticatedRequest) -> HttpResponse:
    """The "send the email again" button: a new verification link for the learner's address."""
    if accounts.verification_resend(request, request.user):
        messages.info(request, "We sent the verification link again: open it to verify.")
    else:
        messages.info(request, "Your email address is already verified.")
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = ""
    return redirect(next_url or "account")


@csrf_exempt  # browsers send reports without a token, from any page that met the policy
@require_POST
def csp_report(request: HttpRequest) -> HttpResponse:
    """Content-Security-Policy violation reports: logged, answered 204; not a report: 400."""
    try:
        violations = security.violations_read(request.body)
    except security.NotAReport as error:
        return HttpResponse(f"Not a CSP report: {error}.", status=400, content_type="text/plain")
    security.violations_log(violations)
    return HttpResponse(status=204)


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
