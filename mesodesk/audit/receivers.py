"""Log-ins, log-outs and failed log-ins go into the global audit chain.

Django's auth signals are the only hook into its login machinery; the events they record are
not model writes, so this does not break the rule that writes are audited explicitly.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from mesodesk.accounts.actor import client_ip, client_user_agent
from mesodesk.accounts.models import User
from mesodesk.audit.choices import AuditAction
from mesodesk.audit.services import audit_event_record


def _meta(request: HttpRequest | None) -> dict[str, Any]:
    if request is None:
        return {"ip": None, "user_agent": ""}
    return {"ip": client_ip(request), "user_agent": client_user_agent(request)}


@receiver(user_logged_in)
def on_login(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    audit_event_record(
        actor=None, action=AuditAction.LOGIN, user=user, actor_label=user.email, **_meta(request)
    )


@receiver(user_logged_out)
def on_logout(sender: Any, request: HttpRequest | None, user: User | None, **kwargs: Any) -> None:
    if user is not None:
        audit_event_record(
            actor=None,
            action=AuditAction.LOGOUT,
            user=user,
            actor_label=user.email,
            **_meta(request),
        )


@receiver(user_login_failed)
def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    attempted = str(credentials.get("username") or credentials.get("email") or "")[:200]
    audit_event_record(
        actor=None,
        action=AuditAction.LOGIN_FAILED,
        actor_label=attempted or "unknown",
        summary="failed log-in",
        **_meta(request),
    )
