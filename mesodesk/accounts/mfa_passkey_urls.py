"""django-otp-webauthn's endpoints, mounted under /accounts/passkeys/ with audited completions.

The namespace stays "otp_webauthn" because the library's template tags reverse those names.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.urls import path
from django.views.i18n import JavaScriptCatalog
from django_otp_webauthn import views as webauthn_views

from mesodesk.accounts.actor import client_ip, client_user_agent

app_name = "otp_webauthn"


def _audit(request: Any, action: str, summary: str) -> None:
    from mesodesk.audit.services import audit_event_record

    user = request.user
    audit_event_record(
        actor=None,
        action=action,
        user=user,
        actor_label=user.email,
        summary=summary,
        ip=client_ip(request),
        user_agent=client_user_agent(request),
    )


class CompleteRegistration(webauthn_views.CompleteCredentialRegistrationView):  # type: ignore[misc]
    def post(self, *args: Any, **kwargs: Any) -> HttpResponse:
        response: HttpResponse = super().post(*args, **kwargs)
        if response.status_code == 200:
            _audit(self.request, "mfa_enrol", "Registered a passkey")
        return response


class CompleteAuthentication(webauthn_views.CompleteCredentialAuthenticationView):  # type: ignore[misc]
    def complete_auth(self, device: Any) -> Any:
        result = super().complete_auth(device)
        if self.request.user.is_authenticated and device.user_id == self.request.user.pk:
            _audit(self.request, "mfa_verify", "Second step with a passkey")
        return result


urlpatterns = [
    path(
        "registration/begin/",
        webauthn_views.BeginCredentialRegistrationView.as_view(),
        name="credential-registration-begin",
    ),
    path(
        "registration/complete/",
        CompleteRegistration.as_view(),
        name="credential-registration-complete",
    ),
    path(
        "authentication/begin/",
        webauthn_views.BeginCredentialAuthenticationView.as_view(),
        name="credential-authentication-begin",
    ),
    path(
        "authentication/complete/",
        CompleteAuthentication.as_view(),
        name="credential-authentication-complete",
    ),
    path(
        "jsi18n/",
        JavaScriptCatalog.as_view(packages=["django_otp_webauthn"]),
        name="js-i18n-catalog",
    ),
]
