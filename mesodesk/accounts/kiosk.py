"""The kiosk: a staff device handed to a patient (consent on the clinic tablet, the intake
form) shows only that document. While the session is "kiosk locked", every other page
answers with the unlock page; only the staff member who locked it gets back in, with their
password or signing PIN (wrong attempts are limited and audited)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from mesodesk.accounts.reauth import secret_matches
from mesodesk.audit.choices import AuditAction
from mesodesk.audit.services import audit_event_record

KIOSK_KEY = "mesodesk_kiosk"
MAX_UNLOCK_ATTEMPTS = 5
# Always reachable while locked: the unlock page, static files, the health probe.
ALWAYS_OPEN = ("/static/", "/healthz")


def kiosk_lock(
    request: HttpRequest, *, allowed: Iterable[str], return_to: str, prefixes: Iterable[str] = ()
) -> None:
    """Locks the session to the `allowed` paths (and paths under `prefixes`) until the staff
    member who locked it unlocks it; `return_to` is where unlocking leads."""
    current = request.session.get(KIOSK_KEY)
    newly = not isinstance(current, dict)
    attempts = 0 if not isinstance(current, dict) else int(current.get("attempts", 0))
    request.session[KIOSK_KEY] = {
        "user_id": str(request.user.pk),
        "allowed": sorted(set(allowed)),
        "prefixes": sorted(set(prefixes)),
        "return_to": return_to,
        "attempts": attempts,
    }
    if newly:
        actor = getattr(request, "actor", None)
        audit_event_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=request.user,  # type: ignore[arg-type]
            summary="kiosk locked for a patient-facing step",
        )


def kiosk_update(request: HttpRequest, *, allowed: Iterable[str], return_to: str) -> None:
    """Moves a locked kiosk on to its next patient-facing page (for example the thank-you
    page after signing) without unlocking it."""
    state = request.session.get(KIOSK_KEY)
    if isinstance(state, dict):
        state = {**state, "allowed": sorted(set(allowed)), "return_to": return_to}
        request.session[KIOSK_KEY] = state


def kiosk_locked(request: HttpRequest) -> bool:
    return isinstance(getattr(request, "session", {}).get(KIOSK_KEY), dict)


def _open_path(state: dict[str, Any], path: str) -> bool:
    if path == reverse("accounts:kiosk_unlock") or path.startswith(ALWAYS_OPEN):
        return True
    if path in state.get("allowed", []):
        return True
    return any(path.startswith(p) for p in state.get("prefixes", []))


class KioskLockMiddleware:
    """While the session is kiosk locked, any other URL answers with the unlock page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        state = request.session.get(KIOSK_KEY) if request.user.is_authenticated else None
        if isinstance(state, dict) and not _open_path(state, request.path):
            if request.headers.get("HX-Request") == "true":
                response = HttpResponse(status=204)
                response["HX-Redirect"] = reverse("accounts:kiosk_unlock")
                return response
            return unlock_page(request, UnlockForm(), status=423)
        return self.get_response(request)


class UnlockForm(forms.Form):
    secret = forms.CharField(
        label="Your password or signing PIN",
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        max_length=256,
    )


def unlock_page(request: HttpRequest, form: UnlockForm, *, status: int = 200) -> HttpResponse:
    state = request.session.get(KIOSK_KEY) or {}
    return render(
        request,
        "accounts/kiosk_unlock.html",
        {"form": form, "locked": bool(state)},
        status=status,
    )


def kiosk_unlock(request: HttpRequest) -> HttpResponse:
    """The staff member who locked the kiosk unlocks it with their password or PIN."""
    if not request.user.is_authenticated:
        return redirect("accounts:login")
    state = request.session.get(KIOSK_KEY)
    if not isinstance(state, dict):
        return redirect("patients:list")
    form = UnlockForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        actor = getattr(request, "actor", None)
        user = request.user
        if str(user.pk) == state.get("user_id") and secret_matches(
            user,
            form.cleaned_data["secret"],
        ):
            del request.session[KIOSK_KEY]
            audit_event_record(
                actor=actor, action=AuditAction.UPDATE, obj=user, summary="kiosk unlocked"
            )
            target = str(state.get("return_to") or "")
            if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
                target = reverse("patients:list")
            return redirect(target)
        attempts = int(state.get("attempts", 0)) + 1
        audit_event_record(
            actor=actor,
            action=AuditAction.REFUSED,
            obj=user,
            summary=f"kiosk unlock failed (attempt {attempts} of {MAX_UNLOCK_ATTEMPTS})",
        )
        if attempts >= MAX_UNLOCK_ATTEMPTS:
            # Too many wrong answers: the staff session ends; the tablet shows the log-in.
            logout(request)
            messages.error(request, "Too many wrong attempts: the session ended. Log in again.")
            return redirect("accounts:login")
        request.session[KIOSK_KEY] = {**state, "attempts": attempts}
        form.add_error(
            "secret",
            f"That is not right. {MAX_UNLOCK_ATTEMPTS - attempts} attempts left before the "
            "session ends.",
        )
    return unlock_page(request, form, status=400 if form.errors else 200)


# Patient-facing pages a staff member may open in the kiosk from a staff page.
KIOSK_OPENABLE_PREFIXES = ("/intake/",)


@require_POST
def kiosk_open(request: HttpRequest) -> HttpResponse:
    """Opens a patient-facing page (the intake form) on this device, locked in the kiosk."""
    if not request.user.is_authenticated:
        return redirect("accounts:login")
    parts = urlsplit(str(request.POST.get("url", "")))
    prefix = next((p for p in KIOSK_OPENABLE_PREFIXES if parts.path.startswith(p)), None)
    if prefix is None:  # only the path is kept: the redirect never leaves this site
        return HttpResponseBadRequest("Only a patient-facing page opens in the kiosk.")
    return_to = str(request.POST.get("return_to", ""))
    if not return_to.startswith("/") or return_to.startswith("//"):
        return_to = reverse("patients:list")
    kiosk_lock(request, allowed=[], prefixes=[prefix], return_to=return_to)
    return redirect(parts.path + (f"?{parts.query}" if parts.query else ""))
