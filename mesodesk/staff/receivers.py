"""Remembers each web session a user logs in with, so ending their access ends it at once.

Django's `user_logged_in` signal is the only hook into its log-in machinery.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest

from mesodesk.accounts.models import User
from mesodesk.staff.context_processors import ORG_ADMIN_SESSION_KEY
from mesodesk.staff.models import OrganizationAdmin
from mesodesk.staff.services import session_record


@receiver(user_logged_in)
def remember_session(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    session = getattr(request, "session", None)
    if session is None:
        return
    session[ORG_ADMIN_SESSION_KEY] = [
        str(org_id)
        for org_id in OrganizationAdmin.objects.filter(user=user, is_active=True).values_list(
            "organization_id", flat=True
        )
    ]
    if session.session_key is None:
        session.save()
    if session.session_key:
        session_record(user=user, session_key=session.session_key)
