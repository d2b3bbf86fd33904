"""Sends a logged-in user to the second step of log-in, or to set one up, before anything else.

Runs after Django's and django-otp's middleware. API requests carry bearer tokens and are not
affected; nor are the pages a user needs to reach the second step.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from mesodesk.accounts.mfa import mfa_has_device, mfa_required_for_user

# A user who needs no second factor is re-checked once a minute, not on every request, so a
# policy change or a new device takes effect within a minute without a query per page.
NOT_REQUIRED_KEY = "mesodesk_mfa_not_required_at"
NOT_REQUIRED_RECHECK = 60

EXEMPT_PREFIXES = (
    "/accounts/login/",
    "/accounts/logout/",
    "/accounts/mfa/verify/",
    "/accounts/mfa/enrol/",
    "/accounts/passkeys/",
    "/accounts/password/reset/",
    "/accounts/reset/",
    "/api/",
    "/intake/",
    "/static/",
    "/healthz",
)


def mfa_session_verified(user: object) -> bool:
    """django-otp's verdict; False for a user object it has not wrapped (just logged in)."""
    is_verified = getattr(user, "is_verified", None)
    return bool(is_verified()) if callable(is_verified) else False


def mfa_next_step(request: HttpRequest) -> str | None:
    """The URL name of the step a logged-in user must take first ("verify", "enrol"), if any."""
    user = request.user
    if not user.is_authenticated or mfa_session_verified(user):
        return None
    checked = request.session.get(NOT_REQUIRED_KEY)
    if isinstance(checked, int) and time.time() - checked < NOT_REQUIRED_RECHECK:
        return None
    if mfa_has_device(user=user):
        return "accounts:mfa_verify"
    if mfa_required_for_user(user=user):
        return "accounts:mfa_enrol"
    request.session[NOT_REQUIRED_KEY] = int(time.time())
    return None


class MfaRequiredMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(EXEMPT_PREFIXES):
            step = mfa_next_step(request)
            if step is not None:
                url = reverse(step)
                if request.method == "GET":
                    url = f"{url}?{urlencode({'next': request.get_full_path()})}"
                # HtmxMiddleware runs later in the chain: read the header itself.
                if request.headers.get("HX-Request") == "true":
                    response = HttpResponse(status=204)
                    response["HX-Redirect"] = url
                    return response
                return redirect(url)
        return self.get_response(request)
