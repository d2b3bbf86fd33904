"""Who is acting: the user, in which clinic, with which role, from where.

Every service takes `actor=`; the audit trail records it; permissions are checked against it.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from dataclasses import dataclass, field

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

from mesodesk.accounts.choices import Capability, Role, role_can
from mesodesk.accounts.models import Clinic, Membership, User
from mesodesk.core.errors import PermissionDenied

USER_AGENT_MAX = 400


@dataclass(frozen=True)
class Actor:
    """An authenticated user acting in one clinic (or, with `user=None`, a patient link)."""

    clinic: Clinic
    role: str
    user: User | None
    ip: str | None = None
    user_agent: str = ""
    label: str = field(default="")

    @property
    def display(self) -> str:
        if self.label:
            return self.label
        return self.user.email if self.user else "anonymous"

    @property
    def role_label(self) -> str:
        """The role in the user's words ("Clinic admin"), for the header."""
        return Role(self.role).label if self.role in Role.values else self.role

    def can(self, capability: Capability) -> bool:
        return self.user is not None and role_can(self.role, capability)

    def today(self) -> dt.date:
        """Today's date where the clinic is (a clinic's day, not the server's)."""
        return timezone.now().astimezone(self.clinic.zone).date()

    def require(self, capability: Capability) -> None:
        if not self.can(capability):
            raise PermissionDenied(f"The {self.role} role may not {capability.value}.")

    def with_request(self, request: HttpRequest) -> Actor:
        return Actor(
            clinic=self.clinic,
            role=self.role,
            user=self.user,
            ip=client_ip(request),
            user_agent=client_user_agent(request),
            label=self.label,
        )


def client_ip(request: HttpRequest) -> str | None:
    raw = request.META.get("REMOTE_ADDR", "")
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            raw = forwarded.split(",")[0].strip()
    try:
        return ipaddress.ip_address(raw).compressed
    except ValueError:
        return None


def client_user_agent(request: HttpRequest) -> str:
    return str(request.META.get("HTTP_USER_AGENT", ""))[:USER_AGENT_MAX]


def actor_for_membership(membership: Membership, request: HttpRequest | None = None) -> Actor:
    actor = Actor(clinic=membership.clinic, role=membership.role, user=membership.user)
    return actor.with_request(request) if request is not None else actor


def patient_link_actor(clinic: Clinic, request: HttpRequest) -> Actor:
    """The actor for a patient answering through a link: no account, no capabilities."""
    return Actor(
        clinic=clinic,
        role="patient",
        user=None,
        ip=client_ip(request),
        user_agent=client_user_agent(request),
        label="patient (intake link)",
    )


def system_actor(clinic: Clinic, label: str = "system") -> Actor:
    """The actor for background jobs and commands; it carries no capabilities."""
    return Actor(clinic=clinic, role=Role.AUDITOR, user=None, label=label)
