"""Shared pieces of the staff tests."""

from __future__ import annotations

import re

from mesodesk.accounts.actor import Actor
from mesodesk.accounts.choices import Role
from mesodesk.core.testing import Personas, member
from mesodesk.notifications.models import OutboundEmail
from mesodesk.staff.models import OrganizationAdmin
from mesodesk.staff.services import organization_admin_set

STRONG = "violet-harbour-lantern-42"


def invitation_token_sent_to(email: str) -> str:
    """The token of the newest invitation e-mail queued to `email`."""
    message = (
        OutboundEmail.objects.filter(to=email, purpose="staff_invitation")
        .order_by("-created_at")
        .first()
    )
    assert message is not None, f"no invitation e-mailed to {email}"
    found = re.search(r"/staff/invitation/([^/\s]+)/", message.body_text)
    assert found is not None
    return found.group(1)


def organization_admin(personas: Personas) -> Actor:
    """A practitioner of clinic B who administers the organization (clinics A and B)."""
    actor = member(personas.clinic_b, Role.PRACTITIONER, email="owner@chain.test")
    assert actor.user is not None
    organization_admin_set(
        organization=personas.clinic_a.organization, user=actor.user, active=True, by="tests"
    )
    assert OrganizationAdmin.objects.filter(user=actor.user).exists()
    return actor
