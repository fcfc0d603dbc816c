from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET, require_http_methods

from certify.services import site_thresholds
from integrations import artwork, badges, baking, links, openbadges, signing
from integrations.forms import CredentialCheckForm
from integrations.models import BadgeCredential, IssuerKey
from integrations.verification import NoIssuerKey, credential_verify, status_list_jws
from questions.models import CategorySlug

# Open Badges documents: public, stable addresses that credentials point at.


def _json(document: object, *, filename: str = "") -> JsonResponse:
    response = JsonResponse(document, safe=False, json_dumps_params={"indent": 2})
    response["Access-Control-Allow-Origin"] = "*"
    if filename:
        response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@require_GET
def issuer(request: HttpRequest) -> JsonResponse:
    return _json(openbadges.issuer_profile(links.issuer_links()))


@require_GET
def issuer_jwks(request: HttpRequest) -> JsonResponse:
    """Every key certify has signed with, retired ones too: old credentials keep verifying."""
    keys = [
        signing.public_jwk(signing.key_from_pem(key.private_pem), links.key_url(key.thumbprint))
        for key in IssuerKey.objects.all()
    ]
    return _json({"keys": keys})


@require_GET
def issuer_key(request: HttpRequest, thumbprint: str) -> JsonResponse:
    key = get_object_or_404(IssuerKey, thumbprint=thumbprint)
    return _json(
        signing.public_jwk(signing.key_from_pem(key.private_pem), links.key_url(key.thumbprint))
    )


@require_GET
def achievement(request: HttpRequest) -> JsonResponse:
    bar = site_thresholds()
    document = openbadges.achievement(
        links.issuer_links(),
        overall_threshold=int(bar.overall),
        category_threshold=int(bar.category),
        categories=[(slug.value, str(slug.label)) for slug in CategorySlug],
    )
    return _json({"@context": [openbadges.VC_CONTEXT, openbadges.OB_CONTEXT], **document})


@require_GET
def achievement_image(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(artwork.png(artwork.BadgeText()), content_type="image/png")
    response["Cache-Control"] = "public, max-age=86400"
    return response


@require_GET
def status_list(request: HttpRequest) -> HttpResponse:
    """The signed revocation list (a BitstringStatusListCredential as a VC-JWT)."""
    try:
        token = status_list_jws()
    except NoIssuerKey as error:
        return HttpResponse(str(error), status=404, content_type="text/plain; charset=utf-8")
    response = HttpResponse(token, content_type="application/vc+jwt")
    response["Cache-Control"] = "no-cache"
    response["Access-Control-Allow-Origin"] = "*"
    return response


# A certificate's credential: the code in the address is the only key, as for the certificate.


def _credential_or_404(code: str) -> BadgeCredential:
    return get_object_or_404(
        BadgeCredential.objects.select_related("certificate"), certificate__code=code
    )


@require_GET
def credential_json(request: HttpRequest, code: str) -> JsonResponse:
    credential = _credential_or_404(code)
    return _json(badges.credential_document(credential), filename=f"certify-{code}.json")


def _download(body: bytes | str, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
def credential_jwt(request: HttpRequest, code: str) -> HttpResponse:
    credential = _credential_or_404(code)
    return _download(credential.jws, "application/vc+jwt", f"certify-{code}.jwt")


@require_GET
def badge_png(request: HttpRequest, code: str) -> HttpResponse:
    credential = _credential_or_404(code)
    return _download(badges.baked_png(credential), "image/png", f"certify-{code}.png")


@require_GET
def badge_svg(request: HttpRequest, code: str) -> HttpResponse:
    credential = _credential_or_404(code)
    return _download(badges.baked_svg(credential), "image/svg+xml", f"certify-{code}.svg")


# Anyone can check a credential they were given: pasted, or baked into a badge image.


def _submitted_token(form: CredentialCheckForm) -> str | None:
    badge = form.cleaned_data.get("badge")
    if badge is None:
        return str(form.cleaned_data["token"]).strip()
    try:
        return badges.token_from_badge(badge.read())
    except baking.BakingError as error:
        form.add_error("badge", f"No credential could be read from this image: {error}.")
        return None


@require_http_methods(["GET", "POST"])
def credential_check(request: HttpRequest) -> HttpResponse:
    posted = request.method == "POST"
    form = CredentialCheckForm(request.POST if posted else None, request.FILES if posted else None)
    verification, document = None, None
    if posted and form.is_valid():
        token = _submitted_token(form)
        if token is not None:
            verification = credential_verify(token)
            if verification.claims is not None:
                document = json.dumps(verification.claims, indent=2, ensure_ascii=False)
    return render(
        request,
        "integrations/credential_check.html",
        {"form": form, "verification": verification, "document": document},
    )
