"""The LTI 1.3 tool's pages: OIDC login initiation, the launch, deep linking, a quiz's landing.

Thin: django-lti and PyLTI1p3 do every JWT and OIDC step (integrations/lti.py wires them);
integrations/services/launches.py decides who the learner is and where they land.
"""

from __future__ import annotations

from uuid import UUID

from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST
from lti_tool.models import Key, LtiLaunch, LtiRegistration
from pylti1p3.contrib.django import DjangoCacheDataStorage, DjangoOIDCLogin
from pylti1p3.exception import LtiException, OIDCException

from integrations import lti
from integrations.forms import DeepLinkForm
from integrations.middleware import FRAME_ATTRIBUTE, remember_frame
from integrations.models.lti import PlatformFrame
from integrations.services.launches import LaunchError, launch_accept
from questions.models import Quiz
from questions.services.accommodations import time_limit_for

LAUNCH_SESSION_KEY = "integrations_lti_launch_id"
NO_TOOL_KEY = (
    "certify has no LTI tool key yet. An administrator creates one on the server with "
    "`manage.py rotate_keys`."
)
BACKEND = "django.contrib.auth.backends.ModelBackend"


def _refused(request: HttpRequest, reason: str, *, status: int = 403) -> HttpResponse:
    """A clear page for a launch certify will not accept; nothing was saved."""
    setattr(request, FRAME_ATTRIBUTE, PlatformFrame.objects.all_origins())
    return render(request, "integrations/lti/refused.html", {"reason": reason}, status=status)


def _launch_url(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("integrations:lti_launch"))


@csrf_exempt
@xframe_options_exempt
@require_http_methods(["GET", "POST"])
def lti_login(request: HttpRequest, registration_uuid: UUID) -> HttpResponse:
    """OIDC third-party login initiation: the platform sends the browser here first."""
    registration = LtiRegistration.objects.active().filter(uuid=registration_uuid).first()
    if registration is None:
        return _refused(request, "certify has no active registration at this login address.")
    frame, _ = PlatformFrame.objects.get_or_create(registration=registration)
    setattr(request, FRAME_ATTRIBUTE, frame.origins())
    login_request = DjangoOIDCLogin(
        request,
        lti.CertifyToolConfig(registration_uuid),
        launch_data_storage=DjangoCacheDataStorage(),
    )
    try:
        response = login_request.enable_check_cookies(
            "Your browser blocks cookies in embedded pages, which certify needs to sign you in.",
            "Open certify in a new window.",
            "Signing you in…",
        ).redirect(_launch_url(request))
        return lti.cookie_check_nonced(request, response)
    except (LtiException, OIDCException) as error:
        return _refused(request, lti.plain_reason(error), status=400)
    except Key.DoesNotExist:
        return _refused(request, NO_TOOL_KEY, status=503)


@csrf_exempt
@xframe_options_exempt
@require_POST
def lti_launch(request: HttpRequest) -> HttpResponse:
    """The platform posts the signed id_token here; a valid launch signs the learner in."""
    message_launch = lti.message_launch(request)
    try:
        message_launch.validate()
    except LtiException as error:
        return _refused(request, lti.plain_reason(error))
    except Key.DoesNotExist:
        return _refused(request, NO_TOOL_KEY, status=503)
    try:
        outcome = launch_accept(lti_launch=LtiLaunch(message_launch))
    except LaunchError as error:
        return _refused(request, str(error), status=404)
    login(request, outcome.user, backend=BACKEND)
    request.session[LAUNCH_SESSION_KEY] = message_launch.get_launch_id()
    response = redirect(outcome.next_url)
    remember_frame(request, response, outcome.frame_origins)
    return response


@login_required
@require_http_methods(["GET", "POST"])
def lti_deep_link(request: HttpRequest) -> HttpResponse:
    """An instructor picks the quiz or lesson to place in their course."""
    launch_id = request.session.get(LAUNCH_SESSION_KEY)
    try:
        message_launch = lti.restored_launch(request, str(launch_id))
        if not message_launch.is_deep_link_launch():
            raise LtiException("not a deep linking launch")
    except LtiException:
        return _refused(request, 'Open certify from your course\'s "add content" screen first.')
    form = DeepLinkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        resource = form.resource(_launch_url(request))
        # The signed answer goes back to the platform from the browser (a form that a static
        # script submits: the page's policy allows no inline script).
        context = {
            "return_url": lti.deep_link_return_url(message_launch),
            "jwt": message_launch.get_deep_link().get_response_jwt([resource]),
        }
        return render(request, "integrations/lti/deep_link_return.html", context)
    return render(request, "integrations/lti/deep_link.html", {"form": form})


@login_required
def lti_quiz(request: HttpRequest, slug: str) -> HttpResponse:
    """Where a course link to a quiz lands: what the quiz is, and a button to start it."""
    quiz = get_object_or_404(Quiz.objects.published(), slug=slug)
    # The learner's own limit: the quiz's, extended by any time accommodation.
    own_limit = time_limit_for(user=request.user, quiz=quiz)
    return render(request, "integrations/lti/quiz.html", {"quiz": quiz, "own_limit": own_limit})
