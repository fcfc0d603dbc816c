"""django-lti and PyLTI1p3 wired for certify: every JWT and OIDC step is theirs.

What certify changes: an unknown or inactive deployment is refused instead of being created
(django-lti creates it, inactive); a launch's nonce is spent on first use (PyLTI1p3 only checks
that the nonce was issued, so a captured launch could be replayed while it lives); `exp` and
`iat` are required in every id_token.
"""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from lti_tool.models import LtiDeployment
from lti_tool.utils import DjangoToolConfig
from pylti1p3.contrib.django import DjangoCacheDataStorage, DjangoMessageLaunch
from pylti1p3.deployment import Deployment
from pylti1p3.exception import LtiException

# Longer than any id_token lives (PyLTI1p3 keeps a nonce for a day).
NONCE_MEMORY = 60 * 60 * 24 * 2


class CertifyToolConfig(DjangoToolConfig):
    def _active(self, deployment_id: str, **lookups: Any) -> Deployment | None:
        self.deployment = (
            LtiDeployment.objects.filter(
                deployment_id=deployment_id,
                is_active=True,
                registration__is_active=True,
                **lookups,
            )
            .select_related("registration")
            .first()
        )
        if self.deployment is None:
            return None
        return Deployment().set_deployment_id(self.deployment.deployment_id)

    def find_deployment(self, iss: str, deployment_id: str) -> Deployment | None:
        return self._active(deployment_id, registration__issuer=iss)

    def find_deployment_by_params(
        self, iss: str, deployment_id: str, client_id: str, *args: Any, **kwargs: Any
    ) -> Deployment | None:
        return self._active(
            deployment_id, registration__issuer=iss, registration__client_id=client_id
        )


class CertifyMessageLaunch(DjangoMessageLaunch):
    def __init__(
        self, request: HttpRequest, tool_config: CertifyToolConfig | None = None, **kwargs: Any
    ) -> None:
        kwargs.setdefault("launch_data_storage", DjangoCacheDataStorage())
        super().__init__(request, tool_config or CertifyToolConfig(), **kwargs)
        # PyJWT's options: the audience is matched against the registration by PyLTI1p3.
        options: dict[str, Any] = {"verify_aud": False, "require": ["exp", "iat"]}
        self.set_jwt_verify_options(options)

    def save_launch_data(self) -> CertifyMessageLaunch:
        # The last step of validate(): every other check has passed; spend the nonce atomically
        # (cache.add is atomic in Redis and in the local cache alike).
        nonce = self._get_jwt_body().get("nonce")
        if not cache.add(f"lti:nonce-spent:{nonce}", True, NONCE_MEMORY):
            raise LtiException("Nonce already used")
        super().save_launch_data()
        return self


def message_launch(request: HttpRequest) -> CertifyMessageLaunch:
    return CertifyMessageLaunch(request)


def restored_launch(request: HttpRequest, launch_id: str) -> CertifyMessageLaunch:
    """A launch validated earlier (deep linking's second step), from the launch cache."""
    launch = CertifyMessageLaunch.from_cache(
        launch_id, request, CertifyToolConfig(), launch_data_storage=DjangoCacheDataStorage()
    )
    assert isinstance(launch, CertifyMessageLaunch)
    return launch


# What a refused launch means, for the person who sees the page.
REASONS = [
    (
        "Nonce already used",
        "This launch has already been used. Open certify from your course again.",
    ),
    (
        "Invalid Nonce",
        "This launch was not started by certify's login step, or it has expired. Open certify "
        "from your course again.",
    ),
    (
        "State not found",
        "Your browser did not send back certify's login cookie (it may block cookies in "
        "frames). Open certify from your course again, in a new window if it offers one.",
    ),
    ("Missing state", "The launch did not come from certify's login step."),
    ("Signature has expired", "The launch has expired. Open certify from your course again."),
    (
        "Signature verification failed",
        "The launch was not signed by the key this platform registered with certify.",
    ),
    ("Unable to find public key", "The launch was signed by a key the platform does not publish."),
    (
        "Registration not found",
        "certify has no registration for this platform and client ID (the token's audience).",
    ),
    ("Client id not registered", "The token's audience is not the client ID certify has."),
    (
        "Unable to find deployment",
        "This deployment is not registered in certify, or is not active. An administrator adds "
        "and activates it under LTI registrations in certify's admin.",
    ),
    ("Could not find registration", "certify has no registration for this platform."),
    ("is missing the", "The launch is missing a claim that LTI requires (exp or iat)."),
]


def plain_reason(error: Exception) -> str:
    message = str(error)
    for needle, reason in REASONS:
        if needle.lower() in message.lower():
            return reason
    return f"The launch could not be verified ({message})."


def cookie_check_nonced(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """PyLTI1p3's cookie check page (served inside the LMS's iframe) under certify's
    Content-Security-Policy: its own script and style carry the request's nonce, and its "open
    in a new window" link is a plain link that its script handles. The page escapes every
    parameter it shows (HTML entities inside a JSON literal), so nothing the request sent can
    end its script early and borrow the nonce."""
    content_type = response.get("Content-Type", "")
    if response.status_code != 200 or not content_type.startswith("text/html"):
        return response
    nonce = request.csp_nonce  # type: ignore[attr-defined]  # django-csp's
    html = response.content.decode()
    html = html.replace("<script", f'<script nonce="{nonce}"').replace(
        "<style", f'<style nonce="{nonce}"'
    )
    response.content = html.replace('href="javascript: void(0);"', 'href="#"').encode()
    return response


DEEP_LINKING_SETTINGS = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"


def deep_link_return_url(message_launch: CertifyMessageLaunch) -> str:
    """Where the platform takes the chosen content back (its signed launch says)."""
    data = message_launch.get_launch_data()
    settings = data.get(DEEP_LINKING_SETTINGS) if isinstance(data, dict) else None
    return str(settings.get("deep_link_return_url", "")) if isinstance(settings, dict) else ""
