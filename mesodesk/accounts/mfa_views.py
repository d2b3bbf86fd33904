"""Pages of two-step verification: the second log-in step, setting it up, the clinic's policy."""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from mesodesk.accounts.access import clinic_view, request_actor
from mesodesk.accounts.choices import Capability, Role
from mesodesk.accounts.mfa import (
    clinic_members_mfa,
    mfa_has_device,
    mfa_policy_update,
    mfa_required_for_user,
    mfa_required_roles,
    mfa_reset,
    mfa_status,
    mfa_verify,
    recovery_codes_regenerate,
    totp_enrolment_confirm,
    totp_enrolment_start,
    totp_qr_svg,
    totp_secret_display,
)
from mesodesk.accounts.models import User
from mesodesk.core.errors import FieldErrors


class CodeForm(forms.Form):
    token = forms.CharField(
        label="Code",
        max_length=32,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "autofocus": True,
                "inputmode": "text",
                "autocapitalize": "off",
                "spellcheck": "false",
            }
        ),
    )


class PolicyForm(forms.Form):
    required_roles = forms.MultipleChoiceField(
        label="Roles that must use two-step verification",
        choices=Role.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


def _url(name: str, next_url: str = "") -> str:
    return f"{reverse(name)}?{urlencode({'next': next_url})}" if next_url else reverse(name)


def _next_url(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


@never_cache
@login_required
def mfa_verify_view(request: HttpRequest) -> HttpResponse:
    """The second step of log-in: a code from the app, a recovery code, or a passkey."""
    user = _user(request)
    next_url = _next_url(request)
    if user.is_verified():  # type: ignore[attr-defined]
        return redirect(next_url)
    if not mfa_has_device(user=user):
        return redirect(_url("accounts:mfa_enrol", next_url))
    form = CodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        kind = mfa_verify(request=request, user=user, token=form.cleaned_data["token"])
        if kind is not None:
            if kind == "recovery code":
                left = mfa_status(user=user).recovery_codes_left
                messages.warning(
                    request,
                    f"You used a recovery code; {left} left. Replace them under Two-step "
                    "verification if you lost your phone.",
                )
            return redirect(next_url)
        form.add_error("token", "That code is not right, or was already used. Try again.")
    status = mfa_status(user=user)
    return render(
        request,
        "accounts/mfa_verify.html",
        {
            "form": form,
            "next": next_url,
            "status": status,
            "passkeys": settings.MFA_PASSKEYS_ENABLED and status.passkeys > 0,
        },
    )


@never_cache
@login_required
def mfa_enrol_view(request: HttpRequest) -> HttpResponse:
    """Setting up an authenticator app (with recovery codes) or a passkey."""
    user = _user(request)
    next_url = _next_url(request)
    if mfa_has_device(user=user) and not user.is_verified():  # type: ignore[attr-defined]
        # Adding a factor needs the existing one first, or a thief with the password could.
        return redirect(_url("accounts:mfa_verify", _url("accounts:mfa_enrol", next_url)))
    device = totp_enrolment_start(user=user)
    form = CodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        codes = totp_enrolment_confirm(request=request, user=user, token=form.cleaned_data["token"])
        if codes is not None:
            return render(
                request,
                "accounts/mfa_recovery_codes.html",
                {"codes": codes, "next": next_url, "first_time": True},
            )
        form.add_error("token", "That code is not right. Check the app's clock, then try again.")
    return render(
        request,
        "accounts/mfa_enrol.html",
        {
            "form": form,
            "next": next_url,
            "qr_svg": mark_safe(totp_qr_svg(device)),  # noqa: S308 - drawn here from our own data
            "secret": totp_secret_display(device),
            "required": mfa_required_for_user(user=user),
            "status": mfa_status(user=user),
            "passkeys": settings.MFA_PASSKEYS_ENABLED,
        },
    )


@never_cache
@login_required
def mfa_manage_view(request: HttpRequest) -> HttpResponse:
    """A user's own second factors: what is set up, new recovery codes, another passkey."""
    user = _user(request)
    return render(
        request,
        "accounts/mfa_manage.html",
        {
            "status": mfa_status(user=user),
            "required": mfa_required_for_user(user=user),
            "passkeys": settings.MFA_PASSKEYS_ENABLED,
        },
    )


@never_cache
@login_required
@require_POST
def mfa_recovery_codes_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not user.is_verified() or not mfa_status(user=user).enrolled:  # type: ignore[attr-defined]
        messages.error(request, "Set up an authenticator app or a passkey first.")
        return redirect("accounts:mfa_manage")
    codes = recovery_codes_regenerate(request=request, user=user)
    return render(
        request,
        "accounts/mfa_recovery_codes.html",
        {"codes": codes, "next": _url("accounts:mfa_manage"), "first_time": False},
    )


@clinic_view(Capability.CLINIC_MANAGE)
def mfa_policy_view(request: HttpRequest) -> HttpResponse:
    """The clinic admin's page: which roles must use two-step verification, and who has it."""
    actor = request_actor(request)
    form = PolicyForm(
        request.POST if request.method == "POST" else None,
        initial={"required_roles": mfa_required_roles(clinic=actor.clinic)},
    )
    if request.method == "POST" and form.is_valid():
        try:
            mfa_policy_update(actor=actor, required_roles=form.cleaned_data["required_roles"])
        except FieldErrors as exc:
            for errors in exc.errors.values():
                form.add_error("required_roles", errors)
        else:
            messages.success(request, "The two-step verification policy was saved.")
            return redirect("accounts:mfa_policy")
    return render(
        request,
        "accounts/mfa_policy.html",
        {"form": form, "members": clinic_members_mfa(actor=actor)},
    )


@clinic_view(Capability.CLINIC_MANAGE)
@require_POST
def mfa_member_reset_view(request: HttpRequest, user_id: str) -> HttpResponse:
    """Removes a member's second factors (a lost phone); they set up again at next log-in."""
    user = mfa_reset(actor=request_actor(request), user_id=user_id)
    messages.success(
        request,
        f"Two-step verification of {user.full_name or user.email} was reset; they set it up "
        "again at their next log-in.",
    )
    return redirect("accounts:mfa_policy")
