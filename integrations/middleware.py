"""Let a registered LMS show certify in its iframe, and no one else.

certify refuses to be framed (X-Frame-Options DENY, CSP frame-ancestors 'none'). A browser
that launched certify from a registered platform carries a signed cookie naming that platform's
origins; its responses then allow exactly those origins as frame ancestors. Reading a signed
cookie is no I/O, so the hook runs on the event loop.
"""

from __future__ import annotations

from django.core import signing
from django.http import HttpRequest
from django.http.response import HttpResponseBase

from certify.middleware import InlineHooks

FRAME_COOKIE = "certify_lti_frame"
FRAME_ATTRIBUTE = "lti_frame_origins"
FRAME_SALT = "integrations.lti.frame"
FRAME_MAX_AGE = 60 * 60 * 12


def remember_frame(request: HttpRequest, response: HttpResponseBase, origins: list[str]) -> None:
    """After a launch: this browser's certify pages may be framed by these origins."""
    setattr(request, FRAME_ATTRIBUTE, origins)
    secure = request.is_secure()
    response.set_signed_cookie(
        FRAME_COOKIE,
        " ".join(origins),
        salt=FRAME_SALT,
        max_age=FRAME_MAX_AGE,
        secure=secure,
        httponly=True,
        # Sent inside the LMS's iframe only with SameSite=None, which needs Secure (HTTPS).
        samesite="None" if secure else "Lax",
    )


def _origins(request: HttpRequest) -> list[str]:
    chosen = getattr(request, FRAME_ATTRIBUTE, None)
    if chosen is not None:
        return list(chosen)
    try:
        value = request.get_signed_cookie(FRAME_COOKIE, salt=FRAME_SALT, max_age=FRAME_MAX_AGE)
    except (KeyError, signing.BadSignature):
        return []
    if not value:
        return []
    return [origin for origin in value.split() if origin.startswith(("https://", "http://"))]


def _with_frame_ancestors(policy: str, ancestors: str) -> str:
    kept = [
        directive.strip()
        for directive in policy.split(";")
        if directive.strip() and not directive.strip().startswith("frame-ancestors")
    ]
    return "; ".join([*kept, ancestors])


class LtiFrameMiddleware(InlineHooks):
    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        origins = _origins(request)
        if not origins:
            return response
        ancestors = " ".join(["'self'", *origins])
        response.xframe_options_exempt = True  # type: ignore[attr-defined]  # Django reads it
        # django-csp's middleware (outside this one) builds the policy with this; a policy a
        # view set itself is rewritten here.
        response._csp_replace = {"frame-ancestors": ["'self'", *origins]}  # type: ignore[attr-defined]
        header = "Content-Security-Policy"
        if header in response:
            response[header] = _with_frame_ancestors(
                response[header], f"frame-ancestors {ancestors}"
            )
        return response
