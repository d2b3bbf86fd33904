"""Changing one's password and resetting a forgotten one: Django's views, styled and audited.

The reset page answers the same whether or not an account has the address, and the e-mail goes
only to an existing account's own address, so neither tells a stranger who has an account.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import SetPasswordForm
from django.http import HttpResponse
from django.urls import reverse_lazy

from mesodesk.accounts.actor import Actor, client_ip, client_user_agent
from mesodesk.accounts.models import User


def _audit_password(view: auth_views.PasswordContextMixin, user: User, action: str) -> None:
    from mesodesk.audit.services import audit_event_record

    request = view.request  # type: ignore[attr-defined]
    actor = getattr(request, "actor", None)
    audit_event_record(
        actor=actor if isinstance(actor, Actor) and actor.user == user else None,
        action=action,
        obj=user,
        user=user,
        actor_label=user.email,
        summary="Changed their password" if action == "password_change" else "Reset password",
        ip=client_ip(request),
        user_agent=client_user_agent(request),
    )


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:password_change_done")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        _audit_password(self, form.user, "password_change")
        return response


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "accounts/password_change_done.html"


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/password_reset_email.txt"
    # Links point at SITE_URL, never at whatever Host header the request carried.
    extra_email_context = {"site_url": settings.SITE_URL}
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form: SetPasswordForm[Any]) -> HttpResponse:
        response = super().form_valid(form)
        _audit_password(self, form.user, "password_reset")
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"
