"""Reads of accounts data."""

from __future__ import annotations

import hashlib
import uuid

from django.db.models import QuerySet
from django.utils import timezone

from mesodesk.accounts.choices import Role
from mesodesk.accounts.models import ApiToken, Clinic, Membership, Organization, User
from mesodesk.core.errors import ObjectId
from mesodesk.core.lookups import parse_id


def memberships_for_user(*, user: User) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(user=user, is_active=True, clinic__isnull=False)
        .select_related("clinic", "clinic__organization")
        .order_by("clinic__name")
    )


def membership_get(*, user: User, clinic_id: ObjectId) -> Membership | None:
    return (
        memberships_for_user(user=user).filter(clinic_id=clinic_id).select_related("user").first()
    )


def api_token_lookup(*, raw_key: str) -> ApiToken | None:
    """The live token for a raw key, with its membership, user and clinic; None if unusable."""
    key_hash = hashlib.sha256(raw_key.encode()).hexdigest()
    token = (
        ApiToken.objects.select_related(
            "membership",
            "membership__user",
            "membership__clinic",
            "membership__clinic__organization",
        )
        .filter(key_hash=key_hash, revoked_at__isnull=True, membership__is_active=True)
        .first()
    )
    if token is None or not token.membership.user.is_active:
        return None
    if token.expires_at is not None and token.expires_at <= timezone.now():
        return None
    return token


def api_tokens_for_user(*, user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(membership__user=user).select_related("membership__clinic")


def clinics_all() -> QuerySet[Clinic]:
    return Clinic.objects.select_related("organization")


ASSISTING_ROLES = (Role.NURSE, Role.PRACTITIONER)


def assistants_for(clinic: Clinic) -> QuerySet[User]:
    """Who may assist a session in this clinic: its active nurses and practitioners. The
    session page lists them, and its form, the API and the session service accept no one else."""
    return (
        User.objects.filter(
            is_active=True,
            memberships__clinic=clinic,
            memberships__is_active=True,
            memberships__role__in=ASSISTING_ROLES,
        )
        .distinct()
        .order_by("full_name")
    )


def clinic_users(*, clinic: Clinic | None) -> QuerySet[User]:
    """Everyone who holds (or held) a membership of the clinic, by name: the audit filter."""
    if clinic is None:
        return User.objects.none()
    return User.objects.filter(memberships__clinic=clinic).order_by("full_name")


def clinic_lock(*, clinic: Clinic) -> None:
    """Locks the clinic's row until the transaction ends, so per-clinic numbering is serial."""
    Clinic.objects.select_for_update().filter(pk=clinic.pk).first()


def organizations_exist() -> bool:
    return Organization.objects.exists()


def user_by_email(*, email: str) -> User | None:
    """The account with this (normalised) e-mail address, or None."""
    return User.objects.filter(email=email).first()


def organizations_named(*, name: str, limit: int = 2) -> list[Organization]:
    """Up to `limit` organizations with exactly this name (callers want exactly one)."""
    return list(Organization.objects.filter(name=name)[:limit])


def organization_clinics(*, organization_id: ObjectId) -> QuerySet[Clinic]:
    """The clinics of one organization, by name, with the organization."""
    return (
        Clinic.objects.filter(organization_id=organization_id)
        .select_related("organization")
        .order_by("name")
    )


def clinics_among(*, clinics: list[Clinic]) -> QuerySet[Clinic]:
    """The given clinics as a queryset (a form's choices), by name."""
    return Clinic.objects.filter(pk__in=[c.pk for c in clinics]).order_by("name")


def clinic_admin_emails(*, clinic: Clinic) -> list[str]:
    """The e-mail addresses of the clinic's active clinic admins, sorted."""
    return list(
        Membership.objects.filter(
            clinic=clinic, role=Role.CLINIC_ADMIN, is_active=True, user__is_active=True
        )
        .order_by("user__email")
        .values_list("user__email", flat=True)
    )


def memberships_of_clinics(*, clinics: list[Clinic]) -> QuerySet[Membership]:
    """Every membership (active or ended) of the given clinics, with user and clinic."""
    return Membership.objects.filter(clinic__in=clinics).select_related("user", "clinic")


def membership_of(*, user: User, clinic: Clinic) -> Membership | None:
    """The user's membership of the clinic, active or ended, or None."""
    return Membership.objects.filter(user=user, clinic=clinic).first()


def membership_clinic_id(*, membership_id: ObjectId) -> uuid.UUID | None:
    """The clinic a membership belongs to, or None for a missing or malformed id."""
    pk = parse_id(membership_id)
    if pk is None:
        return None
    return Membership.objects.filter(pk=pk).values_list("clinic_id", flat=True).first()


def memberships_with_user() -> QuerySet[Membership]:
    """Memberships with their user and clinic (callers scope them to managed clinics)."""
    return Membership.objects.select_related("user", "clinic")


def clinic_has_other_admin(*, clinic_id: ObjectId, besides: Membership) -> bool:
    """Whether the clinic keeps an active clinic admin other than `besides`."""
    return (
        Membership.objects.filter(
            clinic_id=clinic_id, role=Role.CLINIC_ADMIN, is_active=True, user__is_active=True
        )
        .exclude(pk=besides.pk)
        .exists()
    )


def user_has_active_membership(*, user: User) -> bool:
    return Membership.objects.filter(user=user, is_active=True).exists()
