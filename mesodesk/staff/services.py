"""Managing a clinic's people: invitations, roles, deactivation and organization admins.

Every change is recorded in the audit trail of the clinic it concerns, in the same
transaction. Rules:

- a clinic admin manages the clinic they act in; an organization admin every clinic of it;
- nobody changes or deactivates their own access (another admin does it);
- a clinic admin cannot change or deactivate an organization admin;
- a clinic always keeps at least one active clinic admin.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, replace
from importlib import import_module

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.backends.base import SessionBase
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from mesodesk.accounts.actor import Actor
from mesodesk.accounts.choices import Role
from mesodesk.accounts.models import Clinic, Membership, Organization, User
from mesodesk.accounts.selectors import (
    clinic_has_other_admin,
    membership_clinic_id,
    membership_of,
    memberships_with_user,
    user_by_email,
    user_has_active_membership,
)
from mesodesk.accounts.services import (
    api_tokens_revoke_for,
    clinic_locked,
    membership_grant,
    user_create,
    user_deactivate,
    user_locked_by_email,
)
from mesodesk.audit.choices import AuditAction
from mesodesk.audit.services import audit_event_record
from mesodesk.core.errors import Conflict, FieldErrors, NotFound, ObjectId, PermissionDenied
from mesodesk.core.lookups import get_in_clinic
from mesodesk.notifications.addresses import email_address_error
from mesodesk.notifications.services import email_queue
from mesodesk.staff.models import Invitation, OrganizationAdmin, SessionRecord
from mesodesk.staff.selectors import (
    Authority,
    InvitationProblem,
    InvitationUnusable,
    invitation_resolve,
    invitation_url,
    managed_clinic_get,
    staff_authority,
)

ORGANIZATION_ADMIN_ROLE = "org_admin"  # recorded as the role of an organization admin's acts


@dataclass(frozen=True)
class InviteResult:
    """An invitation sent (a new or deactivated account), or access granted at once to an
    existing active account."""

    invitation: Invitation | None
    membership: Membership | None
    url: str = ""


def _acting_in(actor: Actor, clinic: Clinic, authority: Authority) -> Actor:
    """The actor as the audit trail and the outbox of `clinic` record it."""
    if clinic.pk == actor.clinic.pk:
        return actor
    role = ORGANIZATION_ADMIN_ROLE if authority == Authority.ORGANIZATION else actor.role
    return replace(actor, clinic=clinic, role=role, capabilities=frozenset())


def _validate_role(role: str) -> None:
    if role not in Role.values:
        raise FieldErrors.single("role", "Choose one of the roles.")


def staff_invite(
    *,
    actor: Actor,
    clinic_id: ObjectId,
    email: str,
    full_name: str,
    role: str,
    base_url: str = "",
) -> InviteResult:
    """Invites someone to a clinic the actor manages, in a role.

    A new (or deactivated) account gets a single-use set-password link by e-mail; an existing
    active account gets the access at once and an e-mail saying so.
    """
    email = email.strip().lower()
    full_name = full_name.strip()
    errors: dict[str, list[str]] = {}
    if problem := email_address_error(email):
        errors["email"] = [problem]
    if not full_name or len(full_name) > 200:
        errors["full_name"] = ["Give the person's name (at most 200 characters)."]
    if role not in Role.values:
        errors["role"] = ["Choose one of the roles."]
    if errors:
        raise FieldErrors(errors)
    clinic, authority = managed_clinic_get(actor=actor, clinic_id=clinic_id)
    acting = _acting_in(actor, clinic, authority)
    existing = user_by_email(email=email)
    if existing is not None and actor.user is not None and existing.pk == actor.user.pk:
        raise PermissionDenied("You cannot change your own access; ask another admin.")
    with transaction.atomic():
        if existing is not None and existing.is_active:
            return InviteResult(
                invitation=None, membership=_grant_existing(acting, clinic, existing, role)
            )
        now = timezone.now()
        Invitation.objects.filter(
            clinic=clinic, email=email, used_at__isnull=True, revoked_at__isnull=True
        ).update(revoked_at=now)
        invitation = Invitation.objects.create(
            clinic=clinic,
            email=email,
            full_name=full_name,
            role=role,
            invited_by=actor.user,
            expires_at=now + dt.timedelta(hours=settings.STAFF_INVITATION_TTL_HOURS),
        )
        audit_event_record(
            actor=acting,
            action=AuditAction.CREATE,
            obj=invitation,
            summary=f"staff invitation as {Role(role).label}",
            changes={"email": [None, email], "role": [None, role]},
        )
        url = invitation_url(invitation, base_url)
        email_queue(
            actor=acting,
            to=email,
            subject=f"You are invited to {clinic.name} on mesodesk",
            body=(
                f"Hello {full_name},\n\n{actor.display} invites you to {clinic.name} on "
                f"mesodesk as {Role(role).label}.\n\nSet your password here (the link works "
                f"once, for {settings.STAFF_INVITATION_TTL_HOURS} hours):\n{url}\n\n"
                "If you did not expect this e-mail, ignore it.\n"
            ),
            purpose="staff_invitation",
            related_type="staff.Invitation",
            related_id=invitation.pk,
        )
    return InviteResult(invitation=invitation, membership=None, url=url)


def _grant_existing(acting: Actor, clinic: Clinic, user: User, role: str) -> Membership:
    membership = membership_of(user=user, clinic=clinic)
    if membership is not None and membership.is_active:
        raise FieldErrors.single(
            "email", "This person already has access to the clinic; change their role instead."
        )
    before = {"role": membership.role, "is_active": False} if membership else {}
    membership = membership_grant(user=user, clinic=clinic, role=role)
    audit_event_record(
        actor=acting,
        action=AuditAction.CREATE if not before else AuditAction.UPDATE,
        obj=membership,
        summary=f"access granted to {user.email} as {Role(role).label}",
        changes={"role": [before.get("role"), role], "is_active": [before.get("is_active"), True]},
    )
    email_queue(
        actor=acting,
        to=user.email,
        subject=f"You now have access to {clinic.name} on mesodesk",
        body=(
            f"Hello {user.full_name},\n\n{acting.display} gave you access to {clinic.name} on "
            f"mesodesk as {Role(role).label}. Log in as usual: {settings.SITE_URL}\n"
        ),
        purpose="staff_access",
        related_type="accounts.Membership",
        related_id=membership.pk,
    )
    return membership


def invitation_accept(
    *, token: str, password: str, password_again: str, ip: str | None = None, user_agent: str = ""
) -> tuple[User, Membership]:
    """Sets the invitee's password and gives them the role; the link works once."""
    invitation = invitation_resolve(token)
    if password != password_again:
        raise FieldErrors.single("password_again", "The two passwords differ.")
    existing = user_by_email(email=invitation.email)
    probe = existing or User(email=invitation.email, full_name=invitation.full_name)
    try:
        validate_password(password, user=probe)
    except ValidationError as exc:
        raise FieldErrors({"password": list(exc.messages)}) from exc
    now = timezone.now()
    with transaction.atomic():
        # The conditional update is what makes the link single-use under concurrency.
        spent = Invitation.objects.filter(
            pk=invitation.pk, used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
        ).update(used_at=now)
        if spent != 1:
            raise InvitationUnusable(InvitationProblem.USED)
        user = user_locked_by_email(email=invitation.email)
        if user is None:
            user = user_create(
                email=invitation.email, password=password, full_name=invitation.full_name
            )
        else:
            user.set_password(password)
            user.is_active = True
            user.save(update_fields=["password", "is_active"])
        membership = membership_grant(user=user, clinic=invitation.clinic, role=invitation.role)
        Invitation.objects.filter(pk=invitation.pk).update(user=user)
        actor = Actor(
            clinic=invitation.clinic, role=invitation.role, user=user, ip=ip, user_agent=user_agent
        )
        audit_event_record(
            actor=actor,
            action=AuditAction.ACCEPT,
            obj=invitation,
            summary="staff invitation accepted",
            changes={"membership": [None, str(membership.pk)], "role": [None, invitation.role]},
        )
    return user, membership


def invitation_revoke(*, actor: Actor, invitation_id: ObjectId) -> Invitation:
    with transaction.atomic():
        invitation = get_in_clinic(
            Invitation.objects.select_for_update(of=("self",)).select_related("clinic"),
            invitation_id,
            message="No such invitation.",
        )
        authority = staff_authority(actor=actor, clinic=invitation.clinic)
        if authority is None:
            raise NotFound("No such invitation.")
        if invitation.used_at is not None:
            raise Conflict("The invitation was already used.")
        if invitation.revoked_at is None:
            invitation.revoked_at = timezone.now()
            invitation.save(update_fields=["revoked_at", "updated_at"])
            audit_event_record(
                actor=_acting_in(actor, invitation.clinic, authority),
                action=AuditAction.UPDATE,
                obj=invitation,
                summary="staff invitation revoked",
                changes={"revoked_at": [None, invitation.revoked_at]},
            )
    return invitation


def _locked_membership(actor: Actor, membership_id: ObjectId) -> tuple[Membership, Authority]:
    """The membership to change, after locking its clinic (staff changes of one clinic run one
    at a time, so two admins cannot demote each other at once) and checking the rules."""
    clinic_id = membership_clinic_id(membership_id=membership_id)
    if clinic_id is None:
        raise NotFound("No such member.")
    clinic = clinic_locked(clinic_id=clinic_id)
    authority = staff_authority(actor=actor, clinic=clinic)
    if authority is None:
        raise NotFound("No such member.")
    membership = memberships_with_user().get(pk=membership_id)
    if actor.user is not None and membership.user_id == actor.user.pk:
        raise PermissionDenied("You cannot change your own access; ask another admin.")
    if (
        authority == Authority.CLINIC
        and OrganizationAdmin.objects.filter(
            user_id=membership.user_id, organization_id=clinic.organization_id, is_active=True
        ).exists()
    ):
        raise PermissionDenied("Only an organization admin may change an organization admin.")
    return membership, authority


def _keep_one_admin(membership: Membership) -> None:
    if not clinic_has_other_admin(clinic_id=membership.clinic_id, besides=membership):
        raise Conflict(
            f"{membership.user} is the last clinic admin of {membership.clinic}; "
            "make someone else clinic admin first."
        )


def membership_role_change(*, actor: Actor, membership_id: ObjectId, role: str) -> Membership:
    """Gives a member of a managed clinic another role there."""
    _validate_role(role)
    with transaction.atomic():
        membership, authority = _locked_membership(actor, membership_id)
        if not membership.is_active:
            raise Conflict("This access was ended; invite the person again.")
        if membership.role == role:
            return membership
        if membership.role == Role.CLINIC_ADMIN:
            _keep_one_admin(membership)
        before = membership.role
        membership.role = role
        membership.save(update_fields=["role", "updated_at"])
        audit_event_record(
            actor=_acting_in(actor, membership.clinic, authority),
            action=AuditAction.UPDATE,
            obj=membership,
            summary=f"role of {membership.user.email} changed to {Role(role).label}",
            changes={"role": [before, role]},
        )
    return membership


def membership_deactivate(*, actor: Actor, membership_id: ObjectId) -> Membership:
    """Ends someone's access to a managed clinic at once: the membership, its API tokens and,
    when it was their last access, the account and every web session of it."""
    with transaction.atomic():
        membership, authority = _locked_membership(actor, membership_id)
        if not membership.is_active:
            return membership
        if membership.role == Role.CLINIC_ADMIN:
            _keep_one_admin(membership)
        membership.is_active = False
        membership.save(update_fields=["is_active", "updated_at"])
        tokens = api_tokens_revoke_for(membership=membership)
        user = membership.user
        last_access = not (
            user_has_active_membership(user=user)
            or OrganizationAdmin.objects.filter(user=user, is_active=True).exists()
        )
        sessions = 0
        if last_access:
            user_deactivate(user=user)
            sessions = user_sessions_end(user_id=user.pk)
        audit_event_record(
            actor=_acting_in(actor, membership.clinic, authority),
            action=AuditAction.UPDATE,
            obj=membership,
            summary=f"access of {user.email} ended",
            changes={
                "is_active": [True, False],
                "api_tokens_revoked": [0, tokens],
                "account_active": [True, not last_access],
                "sessions_ended": [0, sessions],
            },
        )
    return membership


def _session_store() -> type[SessionBase]:
    return import_module(settings.SESSION_ENGINE).SessionStore  # type: ignore[no-any-return]


def session_record(*, user: User, session_key: str) -> None:
    """Remembers a web session of the user, so it can be ended when their access ends; forgets
    the user's sessions that have outlived the session store anyway."""
    stale = timezone.now() - dt.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    SessionRecord.objects.filter(user=user, created_at__lt=stale).delete()
    SessionRecord.objects.get_or_create(session_key=session_key, defaults={"user": user})


def user_sessions_end(*, user_id: uuid.UUID) -> int:
    """Deletes every web session the user logged in with; returns how many."""
    store = _session_store()
    keys = list(SessionRecord.objects.filter(user_id=user_id).values_list("session_key", flat=True))
    for key in keys:
        store(session_key=key).delete()
    SessionRecord.objects.filter(user_id=user_id).delete()
    return len(keys)


def organization_admin_set(
    *, organization: Organization, user: User, active: bool, by: str
) -> OrganizationAdmin:
    """Makes a user an organization admin (or ends it); run by an operator's command."""
    with transaction.atomic():
        grant, created = OrganizationAdmin.objects.get_or_create(
            user=user, organization=organization, defaults={"is_active": active}
        )
        before = None if created else grant.is_active
        if not created and grant.is_active != active:
            grant.is_active = active
            grant.save(update_fields=["is_active", "updated_at"])
        audit_event_record(
            actor=None,
            action=AuditAction.CREATE if created else AuditAction.UPDATE,
            obj=grant,
            actor_label=by,
            summary=f"organization admin {user.email} of {organization.name}",
            changes={"is_active": [before, active]},
        )
    return grant
