"""Writes of accounts data: organizations, clinics, users, memberships and API tokens.

Accounts sit below the audit app in the dependency order, but issuing and revoking API tokens
and choosing a clinic are security events the audit trail must hold; these functions therefore
import the audit service (see docs/ARCHITECTURE.md, "Where the layering bends").
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from mesodesk.accounts.actor import Actor
from mesodesk.accounts.choices import Role
from mesodesk.accounts.fields import TOKEN_DAYS
from mesodesk.accounts.models import ApiToken, Clinic, Membership, Organization, User
from mesodesk.core.errors import FieldErrors, ObjectId
from mesodesk.core.lookups import get_in_clinic

TOKEN_PREFIX = "mdk_"  # noqa: S105 - a public prefix that makes leaked tokens greppable


def organization_create(*, name: str) -> Organization:
    return Organization.objects.create(name=name)


def clinic_create(
    *,
    organization: Organization,
    name: str,
    time_zone: str = "Europe/London",
    email: str = "",
    phone: str = "",
    address: str = "",
) -> Clinic:
    clinic = Clinic(
        organization=organization,
        name=name,
        time_zone=time_zone,
        email=email,
        phone=phone,
        address=address,
    )
    clinic.full_clean()
    clinic.save()
    return clinic


def user_create(
    *, email: str, full_name: str, password: str | None = None, is_staff: bool = False
) -> User:
    return User.objects.create_user(
        email=email, password=password, full_name=full_name, is_staff=is_staff
    )


def membership_grant(*, user: User, clinic: Clinic, role: Role | str) -> Membership:
    membership, _ = Membership.objects.update_or_create(
        user=user, clinic=clinic, defaults={"role": role, "is_active": True}
    )
    return membership


def user_locked_by_email(*, email: str) -> User | None:
    """The account with this e-mail address, locked until the transaction ends, or None."""
    return User.objects.select_for_update().filter(email=email).first()


def user_deactivate(*, user: User) -> None:
    """Switches the account off (the caller records why, in its own audited transaction)."""
    User.objects.filter(pk=user.pk).update(is_active=False)


def clinic_locked(*, clinic_id: ObjectId) -> Clinic:
    """The clinic, with its organization, locked until the transaction ends."""
    return (
        Clinic.objects.select_for_update(of=("self",))
        .select_related("organization")
        .get(pk=clinic_id)
    )


def api_tokens_revoke_for(*, membership: Membership) -> int:
    """Revokes every live API token of the membership; the number revoked."""
    return ApiToken.objects.filter(membership=membership, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    raw_key: str


def api_token_issue(*, actor: Actor, name: str, days: int | None = 90) -> IssuedToken:
    """Issues a bearer token for the actor's membership; the raw key is shown once."""
    from mesodesk.audit.services import audit_event_record

    name = name.strip()
    errors: dict[str, list[str]] = {}
    if not name or len(name) > 100:
        errors["name"] = ["Give the token a name of at most 100 characters."]
    if days is not None and (message := TOKEN_DAYS.error(days)):
        errors["days"] = [message]
    if errors:
        raise FieldErrors(errors)
    membership = Membership.objects.get(user=actor.user, clinic=actor.clinic, is_active=True)
    raw_key = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            membership=membership,
            name=name,
            key_hash=hashlib.sha256(raw_key.encode()).hexdigest(),
            prefix=raw_key[:10],
            expires_at=timezone.now() + dt.timedelta(days=days) if days else None,
        )
        audit_event_record(actor=actor, action="create", obj=token, summary=f"API token {name}")
    return IssuedToken(token=token, raw_key=raw_key)


def api_token_revoke(*, actor: Actor, token_id: ObjectId) -> ApiToken:
    from mesodesk.audit.services import audit_event_record

    with transaction.atomic():
        # A token is its owner's: another user's token answers as a missing one.
        token = get_in_clinic(
            ApiToken.objects.select_for_update().filter(membership__user=actor.user),
            token_id,
            message="No such token.",
        )
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at", "updated_at"])
            audit_event_record(
                actor=actor,
                action="update",
                obj=token,
                changes={"revoked_at": [None, token.revoked_at]},
            )
    return token


def api_token_touch(*, token: ApiToken) -> None:
    """Records when a token was last used (at most once a minute, to keep reads cheap)."""
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)


def clinic_select(*, actor: Actor) -> None:
    """Records that the user switched to this clinic."""
    from mesodesk.audit.services import audit_event_record

    audit_event_record(actor=actor, action="select_clinic", obj=actor.clinic)
