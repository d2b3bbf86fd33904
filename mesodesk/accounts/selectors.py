"""Reads of accounts data."""

from __future__ import annotations

import hashlib

from django.db.models import QuerySet
from django.utils import timezone

from mesodesk.accounts.choices import Role
from mesodesk.accounts.models import ApiToken, Clinic, Membership, Organization, User
from mesodesk.core.errors import ObjectId


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
