"""A platform (LMS) emulator for the LTI tests: its own RSA key and JWKS, an OIDC
authorization endpoint that signs id_tokens, an OAuth2 token endpoint that checks the tool's
client assertion against the tool's published JWKS, a line item's score endpoint and a deep
linking return endpoint. Its views are served by the live test server beside certify
(tests/integrations/platform_urls.py); PyJWT signs and checks everything on its side.
"""

from __future__ import annotations

import html
import io
import json
import re
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from csp.decorators import csp_exempt
from django.core.management import call_command
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from lti_tool.models import LtiDeployment, LtiRegistration

ISSUER = "https://lms.example"
CLIENT_ID = "certify-client"
DEPLOYMENT_ID = "deployment-1"
KID = "platform-key-1"
LTI = "https://purl.imsglobal.org/spec/lti/claim/"
AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"
SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
LINEITEM_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class Platform:
    base: str = ""
    key: rsa.RSAPrivateKey = field(default_factory=new_key)
    # What the next authorization for a login_hint puts in the id_token.
    launches: dict[str, dict[str, Any]] = field(default_factory=dict)
    tokens: set[str] = field(default_factory=set)
    scores: list[dict[str, Any]] = field(default_factory=list)
    deep_links: list[dict[str, Any]] = field(default_factory=list)
    columns: list[dict[str, Any]] = field(default_factory=list)
    fail_scores: int = 0

    def jwks(self) -> dict[str, Any]:
        public = jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        return {"keys": [{**public, "kid": KID, "alg": "RS256", "use": "sig"}]}

    def sign(self, claims: dict[str, Any], key: rsa.RSAPrivateKey | None = None) -> str:
        return jwt.encode(claims, key or self.key, algorithm="RS256", headers={"kid": KID})

    def claims(self, *, nonce: str, login_hint: str, **extra: Any) -> dict[str, Any]:
        now = int(time.time())
        base = {
            "iss": ISSUER,
            "aud": CLIENT_ID,
            "sub": login_hint,
            "iat": now,
            "exp": now + 300,
            "nonce": nonce,
            LTI + "version": "1.3.0",
            LTI + "deployment_id": DEPLOYMENT_ID,
            LTI + "message_type": "LtiResourceLinkRequest",
            LTI + "target_link_uri": f"{self.base}/lti/launch/",
            LTI + "resource_link": {"id": "link-1", "title": "certify exam"},
            LTI + "roles": [LEARNER],
            LTI + "context": {"id": "course-1", "title": "Agents 101", "label": "AG101"},
        }
        base.update(self.launches.get(login_hint, {}))
        base.update(extra)
        return {key: value for key, value in base.items() if value is not None}

    def ags(self, lineitem: int | None = 7) -> dict[str, Any]:
        """The AGS claim: the link's own column, or (None) only the course's columns, which
        the tool may manage."""
        if lineitem is None:
            return {
                "scope": [SCORE_SCOPE, LINEITEM_SCOPE],
                "lineitems": f"{self.base}/platform/lineitems",
            }
        return {
            "scope": [SCORE_SCOPE],
            "lineitems": f"{self.base}/platform/lineitems",
            "lineitem": f"{self.base}/platform/lineitems/{lineitem}",
        }


PLATFORM = Platform()


def _tool_key(token: str) -> Any:
    client = jwt.PyJWKClient(f"{PLATFORM.base}/lti/jwks.json", cache_keys=False)
    return client.get_signing_key_from_jwt(token).key


def jwks(request: HttpRequest) -> JsonResponse:
    return JsonResponse(PLATFORM.jwks())


@csp_exempt()  # the LMS's own page: certify's policy is not its policy
def authorize(request: HttpRequest) -> HttpResponse:
    """OIDC authorization: the tool's login step redirects the browser here."""
    params = request.GET
    assert params["client_id"] == CLIENT_ID
    assert params["response_mode"] == "form_post"
    claims = PLATFORM.claims(nonce=params["nonce"], login_hint=params["login_hint"])
    token = PLATFORM.sign(claims)
    # A platform posts the id_token back from the browser, as this page does.
    return HttpResponse(
        f'<form method="post" action="{html.escape(params["redirect_uri"])}">'
        f'<input type="hidden" name="id_token" value="{token}">'
        f'<input type="hidden" name="state" value="{params["state"]}"></form>'
        "<script>document.forms[0].submit()</script>"
    )


@csrf_exempt
def token(request: HttpRequest) -> JsonResponse:
    """OAuth2 client credentials with a JWT assertion signed by the tool's published key."""
    assertion = request.POST["client_assertion"]
    claims = jwt.decode(
        assertion,
        _tool_key(assertion),
        algorithms=["RS256"],
        audience=f"{PLATFORM.base}/platform/token",
    )
    if claims["iss"] != CLIENT_ID or claims["sub"] != CLIENT_ID:
        return JsonResponse({"error": "invalid_client"}, status=401)
    access = secrets.token_urlsafe(16)
    PLATFORM.tokens.add(access)
    return JsonResponse(
        {"access_token": access, "token_type": "Bearer", "expires_in": 3600, "scope": SCORE_SCOPE}
    )


def _authorized(request: HttpRequest) -> bool:
    return request.headers.get("Authorization", "").removeprefix("Bearer ") in PLATFORM.tokens


@csrf_exempt
def lineitems(request: HttpRequest) -> JsonResponse:
    """The course's gradebook columns: listed, or one made by the tool."""
    if not _authorized(request):
        return JsonResponse({"error": "unauthorized"}, status=401)
    if request.method == "POST":
        column = {**json.loads(request.body), "id": ""}
        column["id"] = f"{PLATFORM.base}/platform/lineitems/{100 + len(PLATFORM.columns)}"
        PLATFORM.columns.append(column)
        return JsonResponse(column, status=201)
    return JsonResponse(PLATFORM.columns, safe=False)


@csrf_exempt
def scores(request: HttpRequest, lineitem: int) -> HttpResponse:
    if not _authorized(request):
        return JsonResponse({"error": "unauthorized"}, status=401)
    if request.content_type != "application/vnd.ims.lis.v1.score+json":
        return JsonResponse({"error": "bad content type"}, status=415)
    if PLATFORM.fail_scores:
        PLATFORM.fail_scores -= 1
        return JsonResponse({"error": "gradebook is busy"}, status=503)
    PLATFORM.scores.append({"lineitem": lineitem, **json.loads(request.body)})
    return HttpResponse(status=204)


@csrf_exempt
def deep_link_return(request: HttpRequest) -> JsonResponse:
    message = request.POST["JWT"]
    claims = jwt.decode(message, _tool_key(message), algorithms=["RS256"], audience=ISSUER)
    PLATFORM.deep_links.append(claims)
    return JsonResponse({"received": len(claims[DL + "content_items"])})


def register(base: str) -> LtiRegistration:
    """Reset the emulator to serve at `base`; register it in certify with an active
    deployment; make the tool's key (as an operator does, with django-lti's command)."""
    PLATFORM.base = base
    PLATFORM.launches.clear()
    PLATFORM.scores.clear()
    PLATFORM.deep_links.clear()
    PLATFORM.columns.clear()
    PLATFORM.fail_scores = 0
    call_command("rotate_keys", stdout=io.StringIO())
    registration = LtiRegistration.objects.create(
        name="Emulated LMS",
        issuer=ISSUER,
        client_id=CLIENT_ID,
        auth_url=f"{base}/platform/auth",
        token_url=f"{base}/platform/token",
        keyset_url=f"{base}/platform/jwks",
    )
    LtiDeployment.objects.create(
        registration=registration, deployment_id=DEPLOYMENT_ID, is_active=True
    )
    return registration


# The browser side: what a user's browser does between the LMS and certify.


def form_fields(page: str) -> tuple[str, dict[str, str]]:
    """The action and fields of the page's form that submits itself (the only form on a bare
    page; the one marked data-autosubmit on one of certify's)."""
    forms = re.findall(r"<form[^>]*>.*?</form>", page, re.S)
    form = next((f for f in forms if "data-autosubmit" in f), forms[0])
    action = html.unescape(re.search(r'<form[^>]*action="([^"]+)"', form).group(1))  # type: ignore[union-attr]
    fields = {
        html.unescape(name): html.unescape(value)
        for name, value in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', form)
    }
    return action, fields


def login_step(browser: httpx.Client, registration_uuid: str, login_hint: str) -> httpx.Response:
    """The platform starts the login; the tool's cookie check passes in a new window; the
    tool sends the browser to the platform's authorization endpoint (not followed)."""
    params = {
        "iss": ISSUER,
        "login_hint": login_hint,
        "target_link_uri": f"{PLATFORM.base}/lti/launch/",
        "client_id": CLIENT_ID,
        "lti_deployment_id": DEPLOYMENT_ID,
    }
    url = f"{PLATFORM.base}/lti/login/{registration_uuid}/"
    check = browser.get(url, params=params)
    assert "lti1p3_new_window" in check.text  # the cookie check page
    return browser.get(url, params={**params, "lti1p3_new_window": "1"})


def auth_params(redirect: httpx.Response) -> dict[str, str]:
    assert redirect.status_code == 302, redirect.text
    return {
        key: values[0]
        for key, values in parse_qs(urlsplit(redirect.headers["location"]).query).items()
    }


def launch(browser: httpx.Client, registration_uuid: str, login_hint: str) -> httpx.Response:
    """The whole launch as a browser does it: login, authorization, the form post."""
    redirect = login_step(browser, registration_uuid, login_hint)
    page = browser.get(redirect.headers["location"])
    action, fields = form_fields(page.text)
    return browser.post(action, data=fields)
