"""Reads for staff management: who may manage which clinic, who has access, invitations."""

from __future__ import annotations

from enum import StrEnum

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from mesodesk.accounts.actor import Actor
from mesodesk.accounts.choices import Capability
from mesodesk.accounts.models import Clinic, Membership
from mesodesk.accounts.selectors import (
    clinics_all,
    memberships_of_clinics,
    memberships_with_user,
    organization_clinics,
)
from mesodesk.core.errors import NotFound, ObjectId
from mesodesk.core.lookups import get_in_clinic
from mesodesk.staff.models import Invitation, OrganizationAdmin


class Authority(StrEnum):
    """Why an actor may manage a clinic's staff."""

    ORGANIZATION = "organization"  # an organization admin, for every clinic of it
    CLINIC = "clinic"  # a clinic admin, for the clinic they are acting in


def is_organization_admin(actor: Actor) -> bool:
    """Whether the actor administers the organization of the clinic it acts in."""
    if actor.user is None or actor.patient_scope is not None:
        return False
    return OrganizationAdmin.objects.filter(
        user=actor.user,
        organization_id=actor.clinic.organization_id,
        is_active=True,
        user__is_active=True,
    ).exists()


def staff_authority(*, actor: Actor, clinic: Clinic) -> Authority | None:
    """The actor's authority over `clinic`'s staff, or None.

    A clinic admin manages the clinic they are acting in (switch clinic to manage another); an
    organization admin manages every clinic of the organization from any of them.
    """
    if actor.user is None or actor.patient_scope is not None:
        return None
    if clinic.organization_id == actor.clinic.organization_id and is_organization_admin(actor):
        return Authority.ORGANIZATION
    if clinic.pk == actor.clinic.pk and actor.can(Capability.CLINIC_MANAGE):
        return Authority.CLINIC
    return None


def may_manage_staff(actor: Actor) -> bool:
    return actor.can(Capability.CLINIC_MANAGE) or is_organization_admin(actor)


def managed_clinics(*, actor: Actor) -> list[Clinic]:
    """The clinics whose staff the actor manages, by name."""
    if is_organization_admin(actor):
        return list(organization_clinics(organization_id=actor.clinic.organization_id))
    if actor.can(Capability.CLINIC_MANAGE) and actor.patient_scope is None:
        return [actor.clinic]
    return []


def managed_clinic_get(*, actor: Actor, clinic_id: ObjectId) -> tuple[Clinic, Authority]:
    """A clinic the actor manages, with the authority; NotFound for any other clinic."""
    clinic = get_in_clinic(clinics_all(), clinic_id, message="No such clinic.")
    authority = staff_authority(actor=actor, clinic=clinic)
    if authority is None:
        raise NotFound("No such clinic.")
    return clinic, authority


def staff_memberships(
    *, actor: Actor, clinics: list[Clinic], include_inactive: bool = True
) -> QuerySet[Membership]:
    """Everyone with a membership of the given (managed) clinics, with user and clinic."""
    memberships = memberships_of_clinics(clinics=clinics)
    if not include_inactive:
        memberships = memberships.filter(is_active=True)
    return memberships.order_by("-is_active", "clinic__name", "user__full_name", "user__email")


def staff_membership_get(*, actor: Actor, membership_id: ObjectId) -> Membership:
    """A membership of a clinic the actor manages, or NotFound."""
    membership = get_in_clinic(memberships_with_user(), membership_id, message="No such member.")
    if staff_authority(actor=actor, clinic=membership.clinic) is None:
        raise NotFound("No such member.")
    return membership


def invitations_pending(*, clinics: list[Clinic]) -> QuerySet[Invitation]:
    return (
        Invitation.objects.filter(
            clinic__in=clinics,
            used_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .select_related("clinic", "invited_by")
        .order_by("-created_at")
    )


# --- Invitation links -------------------------------------------------------------------

_SIGNER = signing.Signer(salt="mesodesk.staff-invitation", sep=".")


class InvitationProblem(StrEnum):
    INVALID = "invalid"
    EXPIRED = "expired"
    USED = "used"


class InvitationUnusable(Exception):
    def __init__(self, problem: InvitationProblem) -> None:
        self.problem = problem
        super().__init__(problem.value)


def invitation_token(invitation: Invitation) -> str:
    return _SIGNER.sign(invitation.pk.hex)


def invitation_url(invitation: Invitation, base_url: str = "") -> str:
    return (base_url or settings.SITE_URL).rstrip("/") + reverse(
        "staff:accept", args=[invitation_token(invitation)]
    )


def invitation_resolve(token: str) -> Invitation:
    """The usable invitation behind a token, or InvitationUnusable saying why."""
    try:
        invitation = Invitation.objects.select_related("clinic").get(pk=_SIGNER.unsign(token))
    except (signing.BadSignature, Invitation.DoesNotExist, ValidationError, ValueError) as exc:
        raise InvitationUnusable(InvitationProblem.INVALID) from exc
    if invitation.used_at is not None:
        raise InvitationUnusable(InvitationProblem.USED)
    if invitation.revoked_at is not None:
        raise InvitationUnusable(InvitationProblem.INVALID)
    if invitation.expires_at <= timezone.now():
        raise InvitationUnusable(InvitationProblem.EXPIRED)
    return invitation
