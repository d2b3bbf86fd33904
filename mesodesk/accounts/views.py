from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from mesodesk.accounts.access import request_actor
from mesodesk.accounts.actor import actor_for_membership
from mesodesk.accounts.forms import ApiTokenForm, LoginForm
from mesodesk.accounts.mfa_middleware import mfa_next_step
from mesodesk.accounts.middleware import ACTIVE_CLINIC_KEY
from mesodesk.accounts.reauth import signing_pin_set
from mesodesk.accounts.selectors import api_tokens_for_user, membership_get, memberships_for_user
from mesodesk.accounts.services import api_token_issue, api_token_revoke, clinic_select
from mesodesk.core.errors import FieldErrors
from mesodesk.core.htmx import form_add_errors


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_success_url(self) -> str:
        # The password was right; the second step (or setting one up) comes before the page.
        url = super().get_success_url()
        step = mfa_next_step(self.request)
        return f"{reverse(step)}?{urlencode({'next': url})}" if step else url


@login_required
def select_clinic(request: HttpRequest) -> HttpResponse:
    options = list(memberships_for_user(user=request.user))  # type: ignore[arg-type]
    if request.method == "POST":
        membership = membership_get(user=request.user, clinic_id=request.POST.get("clinic"))  # type: ignore[arg-type]
        if membership is None:
            messages.error(request, "Choose one of your clinics.")
        else:
            request.session[ACTIVE_CLINIC_KEY] = str(membership.clinic_id)
            clinic_select(actor=actor_for_membership(membership, request))
            return redirect("patients:list")
    return render(request, "accounts/select_clinic.html", {"options": options})


@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    form = ApiTokenForm(request.POST or None)
    issued = None
    if request.method == "POST" and form.is_valid():
        try:
            issued = api_token_issue(
                actor=actor, name=form.cleaned_data["name"], days=form.cleaned_data["days"]
            )
            form = ApiTokenForm()
        except FieldErrors as exc:
            for field, errs in exc.errors.items():
                form.add_error(field if field in form.fields else None, errs)
    return render(
        request,
        "accounts/tokens.html",
        {"form": form, "issued": issued, "tokens": api_tokens_for_user(user=request.user)},  # type: ignore[arg-type]
    )


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: str) -> HttpResponse:
    # Another user's token, or a missing one, answers 404 (core.middleware).
    api_token_revoke(actor=request_actor(request), token_id=token_id)
    messages.success(request, "The token was revoked.")
    return redirect("accounts:tokens")


class SigningPinForm(forms.Form):
    pin = forms.CharField(
        label="New signing PIN (4 to 8 digits; empty removes it)",
        required=False,
        max_length=8,
        widget=forms.PasswordInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    password = forms.CharField(
        label="Your current password",
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        max_length=256,
    )


@login_required
def signing_pin(request: HttpRequest) -> HttpResponse:
    """The user's own signing PIN: a short secret to sign and unlock the kiosk with."""
    form = SigningPinForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            signing_pin_set(
                actor=request_actor(request),
                pin=form.cleaned_data["pin"],
                password=form.cleaned_data["password"],
            )
        except FieldErrors as exc:
            form_add_errors(form, exc)
        else:
            messages.success(request, "Your signing PIN is saved.")
            return redirect("accounts:signing_pin")
    return render(
        request,
        "accounts/signing_pin.html",
        {"form": form, "has_pin": bool(request.user.signing_pin)},  # type: ignore[union-attr]
        status=400 if form.errors else 200,
    )
