"""Who is acting: the user, in which clinic, with which role, from where.

Every service takes `actor=`; the audit trail records it; permissions are checked against it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field, replace

from django.http import HttpRequest
from django.utils import timezone

from mesodesk.accounts.choices import Capability, Role, role_can
from mesodesk.accounts.models import Clinic, Membership, User
from mesodesk.core.clientip import client_ip as core_client_ip
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
    # Break-glass (mesodesk/staff/breakglass.py): the capabilities held instead of the role's,
    # the one patient that may be opened, and until when. None for ordinary actors.
    capabilities: frozenset[Capability] | None = None
    patient_scope: uuid.UUID | None = None
    break_glass_until: dt.datetime | None = None

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
        if self.user is None:
            return False
        if self.capabilities is not None:
            return capability in self.capabilities
        return role_can(self.role, capability)

    def today(self) -> dt.date:
        """Today's date where the clinic is (a clinic's day, not the server's)."""
        return timezone.now().astimezone(self.clinic.zone).date()

    def require(self, capability: Capability) -> None:
        if not self.can(capability):
            raise PermissionDenied(f"The {self.role} role may not {capability.value}.")

    def with_request(self, request: HttpRequest) -> Actor:
        return replace(self, ip=client_ip(request), user_agent=client_user_agent(request))


def client_ip(request: HttpRequest) -> str | None:
    """The client's address behind TRUSTED_PROXY_COUNT proxies (see mesodesk.core.clientip)."""
    return core_client_ip(request)


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
