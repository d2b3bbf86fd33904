"""Idle log-out and the active clinic of each request."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from mesodesk.accounts.actor import actor_for_membership
from mesodesk.accounts.selectors import membership_get, memberships_for_user

LAST_SEEN_KEY = "mesodesk_last_seen"
ACTIVE_CLINIC_KEY = "mesodesk_clinic_id"
# Refreshing the session on every request would write to the database on every page view;
# refreshing once a minute keeps the idle clock accurate to a minute at a fraction of the cost.
LAST_SEEN_RESOLUTION = 60

# Paths that work without an active clinic: logging in and out, choosing a clinic,
# patient links, the API (token auth carries its own clinic), static files and the admin.
CLINIC_EXEMPT_PREFIXES = ("/accounts/", "/intake/", "/api/", "/static/", "/admin/", "/healthz")


class IdleTimeoutMiddleware:
    """Logs a user out after SESSION_IDLE_TIMEOUT seconds without a request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = int(time.time())
            last_seen = request.session.get(LAST_SEEN_KEY)
            if isinstance(last_seen, int) and now - last_seen > settings.SESSION_IDLE_TIMEOUT:
                logout(request)
                if request.path.startswith("/api/"):
                    return self.get_response(request)
                login_url = reverse("accounts:login")
                response: HttpResponse = redirect(f"{login_url}?idle=1&next={request.path}")
                if getattr(request, "htmx", False):
                    response = HttpResponse(status=204)
                    response["HX-Redirect"] = f"{login_url}?idle=1"
                return response
            if not isinstance(last_seen, int) or now - last_seen >= LAST_SEEN_RESOLUTION:
                request.session[LAST_SEEN_KEY] = now
        return self.get_response(request)


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
