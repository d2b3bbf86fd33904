"""Idle log-out and the active clinic of each request."""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from mesodesk.accounts.actor import actor_for_membership
from mesodesk.accounts.selectors import membership_get, memberships_for_user

LAST_SEEN_KEY = "mesodesk_last_seen"
STARTED_KEY = "mesodesk_started"
ACTIVE_CLINIC_KEY = "mesodesk_clinic_id"
# Refreshing the session on every request would write to the database on every page view;
# refreshing at most once a minute keeps the idle clock accurate at a fraction of the cost.
LAST_SEEN_RESOLUTION = 60

# Paths that work without an active clinic: logging in and out, choosing a clinic, patient
# and invitation links, the API (token auth carries its own clinic), static files, the admin.
CLINIC_EXEMPT_PREFIXES = (
    "/accounts/",
    "/intake/",
    "/staff/invitation/",
    "/api/",
    "/static/",
    "/admin/",
    "/healthz",
)


def last_seen_resolution(idle_timeout: int) -> int:
    """How stale the stored "last seen" stamp may get: a tenth of the idle time-out, at most a
    minute, at least a second. A coarser stamp would log out an active user of a time-out
    shorter than the stamp's step."""
    return max(1, min(LAST_SEEN_RESOLUTION, idle_timeout // 10))


def is_htmx_request(request: HttpRequest) -> bool:
    # Read the header itself: this middleware runs before django-htmx sets `request.htmx`.
    return request.headers.get("HX-Request") == "true"


def login_redirect(request: HttpRequest, reason: str) -> HttpResponse:
    """Back to the log-in page; an HTMX request gets `HX-Redirect` so the whole page goes
    there instead of the log-in form being swapped into a panel."""
    login_url = reverse("accounts:login")
    if is_htmx_request(request):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = f"{login_url}?{reason}=1"
        return response
    query = urlencode({reason: 1, "next": request.get_full_path()})
    return redirect(f"{login_url}?{query}")


class IdleTimeoutMiddleware:
    """Logs a user out after SESSION_IDLE_TIMEOUT seconds without a request, and after
    SESSION_ABSOLUTE_LIFETIME seconds since log-in whatever they do.

    The session store itself lives longer than both (SESSION_COOKIE_AGE), so these clocks,
    not the store's expiry, decide when a session ends and the answer is always a proper
    redirect to the log-in page.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            ended = self._ended(request)
            if ended is not None:
                logout(request)
                if request.path.startswith("/api/"):
                    return self.get_response(request)
                return login_redirect(request, ended)
        elif is_htmx_request(request) and not request.path.startswith("/api/"):
            response = self.get_response(request)
            # A page that needs a log-in answers an anonymous HTMX request with a redirect
            # htmx would follow and swap in; send the browser to the log-in page instead.
            if response.status_code == 302 and response["Location"].startswith(
                reverse("accounts:login")
            ):
                return login_redirect(request, "expired")
            return response
        return self.get_response(request)

    def _ended(self, request: HttpRequest) -> str | None:
        now = int(time.time())
        session = request.session
        started = session.get(STARTED_KEY)
        if not isinstance(started, int):
            session[STARTED_KEY] = started = now
        if now - started > settings.SESSION_ABSOLUTE_LIFETIME:
            return "expired"
        idle_timeout = settings.SESSION_IDLE_TIMEOUT
        last_seen = session.get(LAST_SEEN_KEY)
        if isinstance(last_seen, int) and now - last_seen > idle_timeout:
            return "idle"
        if not isinstance(last_seen, int) or now - last_seen >= last_seen_resolution(idle_timeout):
            session[LAST_SEEN_KEY] = now
        return None


class ActiveClinicMiddleware:
    """Sets `request.actor` from the session's active clinic; asks to choose one if needed."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.actor = None  # type: ignore[attr-defined]
        if request.user.is_authenticated and not request.path.startswith("/api/"):
            clinic_id = request.session.get(ACTIVE_CLINIC_KEY)
            membership = (
                membership_get(user=request.user, clinic_id=clinic_id) if clinic_id else None
            )
            if membership is None:
                options = list(memberships_for_user(user=request.user)[:2])
                if len(options) == 1:
                    membership = options[0]
                    request.session[ACTIVE_CLINIC_KEY] = str(membership.clinic_id)
            if membership is not None:
                request.actor = actor_for_membership(membership, request)  # type: ignore[attr-defined]
                # Pages show times in the clinic's own time zone.
                timezone.activate(membership.clinic.zone)
            elif not request.path.startswith(CLINIC_EXEMPT_PREFIXES):
                return redirect("accounts:select_clinic")
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
