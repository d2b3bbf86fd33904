"""Break-glass: emergency read access to one patient's chart, with a stated reason, for a
limited time, flagged in the audit trail, alerted to the clinic admins, reviewed by an auditor.

Who may open it: front desk (in their own clinic, where their role shows no clinical data) and
practitioners and nurses of another clinic of the same organization. What it grants: reading
the chart (demographics, history, screening, plans), never writing: the grant widens only GET
requests of that one patient's pages (`accounts.access.elevated_actor`, the one place).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import replace

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from mesodesk.accounts.actor import Actor
from mesodesk.accounts.choices import Capability, Role, role_can
from mesodesk.accounts.models import Clinic
from mesodesk.accounts.selectors import clinic_admin_emails, organization_clinics
from mesodesk.audit.services import audit_event_record
from mesodesk.core.errors import Conflict, FieldErrors, NotFound, ObjectId, PermissionDenied
from mesodesk.core.lookups import get_in_clinic
from mesodesk.notifications.services import email_queue
from mesodesk.patients.models import Patient
from mesodesk.patients.selectors import patients_in_clinic
from mesodesk.staff.models import AccessPolicy, BreakGlassGrant

BREAK_GLASS_ACTION = "break_glass"
BREAK_GLASS_REVIEW_ACTION = "break_glass_review"
# The session remembers open grants so ordinary page views cost no query.
SESSION_KEY = "mesodesk_break_glass"
MIN_REASON = 10
READ_CAPABILITIES = frozenset(
    {Capability.PATIENT_VIEW, Capability.CLINICAL_VIEW, Capability.PLAN_VIEW}
)
SAME_CLINIC_ROLES = frozenset({Role.FRONT_DESK})
OTHER_CLINIC_ROLES = frozenset({Role.PRACTITIONER, Role.NURSE})


def break_glass_minutes(clinic: Clinic) -> int:
    """How long a grant lasts in this clinic: its own setting, else BREAK_GLASS_MINUTES."""
    policy = AccessPolicy.objects.filter(clinic=clinic).first()
    return policy.break_glass_minutes if policy else int(settings.BREAK_GLASS_MINUTES)


def _may_break_glass(actor: Actor, clinic: Clinic) -> bool:
    if actor.user is None or actor.patient_scope is not None:
        return False
    if clinic.pk == actor.clinic.pk:
        return actor.role in SAME_CLINIC_ROLES
    return (
        clinic.organization_id == actor.clinic.organization_id and actor.role in OTHER_CLINIC_ROLES
    )


def _validate_reason(reason: str) -> str:
    reason = reason.strip()
    if len(reason) < MIN_REASON or len(reason) > 1000:
        raise FieldErrors.single(
            "reason", f"State the emergency in {MIN_REASON} to 1000 characters."
        )
    return reason


def break_glass_open(*, actor: Actor, patient: Patient, reason: str) -> BreakGlassGrant:
    """Opens emergency access to a patient's chart for the clinic's configured time; alerts
    every clinic admin of the patient's clinic through the outbox, in the same transaction."""
    reason = _validate_reason(reason)
    clinic = patient.clinic
    if not _may_break_glass(actor, clinic):
        raise PermissionDenied("Your role may not open emergency access to this chart.")
    assert actor.user is not None
    now = timezone.now()
    with transaction.atomic():
        grant = BreakGlassGrant.objects.create(
            clinic=clinic,
            patient=patient,
            user=actor.user,
            home_clinic=actor.clinic,
            role=actor.role,
            reason=reason,
            expires_at=now + dt.timedelta(minutes=break_glass_minutes(clinic)),
        )
        in_clinic = replace(actor, clinic=clinic, label=_flagged_label(actor))
        audit_event_record(
            actor=in_clinic,
            action=BREAK_GLASS_ACTION,
            obj=grant,
            patient_id=patient.pk,
            summary="BREAK-GLASS emergency access opened",
            changes={
                "reason": [None, reason],
                "expires_at": [None, grant.expires_at],
                "home_clinic": [None, actor.clinic.name],
            },
        )
        for admin_email in _clinic_admin_emails(clinic):
            email_queue(
                actor=in_clinic,
                to=admin_email,
                subject=f"Break-glass access at {clinic.name}",
                body=(
                    f"{actor.display} ({Role(actor.role).label}, {actor.clinic.name}) opened "
                    f"emergency access to a patient's chart at {clinic.name} until "
                    f"{timezone.localtime(grant.expires_at, clinic.zone):%d %b %Y %H:%M}.\n\n"
                    f"Reason given: {reason}\n\nReview it under Break-glass in mesodesk: "
                    f"{settings.SITE_URL}/staff/break-glass/\n"
                ),
                purpose="break_glass_alert",
                related_type="staff.BreakGlassGrant",
                related_id=grant.pk,
            )
    return grant


def _clinic_admin_emails(clinic: Clinic) -> list[str]:
    return clinic_admin_emails(clinic=clinic)


def _flagged_label(actor: Actor) -> str:
    return f"{actor.display} [break-glass]"


def remember_in_session(request: HttpRequest, grant: BreakGlassGrant) -> None:
    grants = dict(request.session.get(SESSION_KEY) or {})
    grants[str(grant.patient_id)] = int(grant.expires_at.timestamp())
    request.session[SESSION_KEY] = grants


def active_grant(*, user_id: uuid.UUID, patient_id: ObjectId) -> BreakGlassGrant | None:
    try:
        return (
            BreakGlassGrant.objects.select_related("clinic", "clinic__organization")
            .filter(
                user_id=user_id,
                patient_id=patient_id,
                expires_at__gt=timezone.now(),
                ended_at__isnull=True,
            )
            .order_by("-expires_at")
            .first()
        )
    except (ValidationError, ValueError):
        return None


def break_glass_elevation(request: HttpRequest, actor: Actor, patient_id: str) -> Actor | None:
    """The read-only actor an open grant gives for this patient's pages, or None."""
    remembered = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
    if not remembered or patient_id not in remembered or actor.user is None:
        return None
    grant = active_grant(user_id=actor.user.pk, patient_id=patient_id)
    if grant is None or grant.home_clinic_id != actor.clinic.pk:
        return None
    same_clinic = grant.clinic_id == actor.clinic.pk
    own = {c for c in Capability if role_can(actor.role, c)} if same_clinic else set()
    return replace(
        actor,
        clinic=grant.clinic,
        label=_flagged_label(actor),
        capabilities=frozenset(own) | READ_CAPABILITIES,
        patient_scope=grant.patient_id,
        break_glass_until=grant.expires_at,
    )


def other_clinics(*, actor: Actor) -> list[Clinic]:
    """The other clinics of the actor's organization, where break-glass may reach."""
    return list(
        organization_clinics(organization_id=actor.clinic.organization_id).exclude(
            pk=actor.clinic.pk
        )
    )


def break_glass_find_patient(
    *, actor: Actor, clinic_id: ObjectId, family_name: str, date_of_birth: dt.date
) -> Patient:
    """The one patient of another clinic of the actor's organization with this family name
    and date of birth (both exact); NotFound otherwise. Nothing else is searchable."""
    clinic = get_in_clinic(
        organization_clinics(organization_id=actor.clinic.organization_id),
        clinic_id,
        message="No such clinic in your organization.",
    )
    if not _may_break_glass(actor, clinic):
        raise PermissionDenied("Your role may not open emergency access there.")
    matches = list(
        patients_in_clinic(clinic_id=clinic.pk).filter(
            family_name__iexact=family_name.strip(),
            date_of_birth=date_of_birth,
        )[:2]
    )
    if len(matches) != 1:
        # A search that finds nobody is recorded too: repeated guesses are visible to the clinic.
        audit_event_record(
            actor=replace(actor, clinic=clinic, label=_flagged_label(actor)),
            action=BREAK_GLASS_ACTION,
            summary="BREAK-GLASS search found no single patient",
            changes={"home_clinic": [None, actor.clinic.name], "matches": [None, len(matches)]},
        )
        raise NotFound("No single patient matches; check the name and date of birth.")
    return matches[0]


def break_glass_patient_here(*, actor: Actor, patient_id: ObjectId) -> Patient:
    """A patient of the actor's own clinic, for front desk opening emergency access."""
    return get_in_clinic(
        patients_in_clinic(clinic_id=actor.clinic.pk),
        patient_id,
        message="No such patient in this clinic.",
    )


def grants_for_review(*, actor: Actor, pending_only: bool = True) -> QuerySet[BreakGlassGrant]:
    """The clinic's break-glass grants, oldest unreviewed first; for admins and auditors."""
    if not (actor.can(Capability.AUDIT_VIEW) or actor.can(Capability.CLINIC_MANAGE)):
        raise PermissionDenied("Your role may not see the break-glass list.")
    grants = BreakGlassGrant.objects.filter(clinic=actor.clinic).select_related(
        "patient", "user", "home_clinic", "reviewed_by"
    )
    if pending_only:
        return grants.filter(reviewed_at__isnull=True).order_by("created_at")
    return grants.order_by("-created_at")


def grants_pending_count(actor: Actor) -> int:
    return BreakGlassGrant.objects.filter(clinic=actor.clinic, reviewed_at__isnull=True).count()


def break_glass_review(*, actor: Actor, grant_id: ObjectId, note: str) -> BreakGlassGrant:
    """An auditor signs a grant off with a note; it then leaves the review list."""
    actor.require(Capability.BREAK_GLASS_REVIEW)
    note = note.strip()
    if not note or len(note) > 2000:
        raise FieldErrors.single("note", "Write a note of at most 2000 characters.")
    with transaction.atomic():
        grant = get_in_clinic(
            BreakGlassGrant.objects.select_for_update().filter(clinic=actor.clinic),
            grant_id,
            message="No such break-glass access in this clinic.",
        )
        if grant.reviewed_at is not None:
            raise Conflict("This access was already signed off.")
        if actor.user is not None and grant.user_id == actor.user.pk:
            raise PermissionDenied("Someone else must review your own emergency access.")
        grant.reviewed_at = timezone.now()
        grant.reviewed_by = actor.user
        grant.review_note = note
        grant.save(update_fields=["reviewed_at", "reviewed_by", "review_note", "updated_at"])
        audit_event_record(
            actor=actor,
            action=BREAK_GLASS_REVIEW_ACTION,
            obj=grant,
            patient_id=grant.patient_id,
            summary="break-glass access signed off",
            changes={"review_note": [None, note]},
        )
    return grant


def access_policy_set(*, actor: Actor, break_glass_minutes: int) -> AccessPolicy:
    """A clinic admin sets how long break-glass access lasts in their clinic (5 min to 24 h)."""
    actor.require(Capability.CLINIC_MANAGE)
    if not 5 <= break_glass_minutes <= 24 * 60:
        raise FieldErrors.single("break_glass_minutes", "Choose between 5 and 1440 minutes.")
    with transaction.atomic():
        policy = AccessPolicy.objects.select_for_update().filter(clinic=actor.clinic).first()
        before = policy.break_glass_minutes if policy else None
        if policy is None:
            policy = AccessPolicy.objects.create(
                clinic=actor.clinic, break_glass_minutes=break_glass_minutes
            )
        else:
            policy.break_glass_minutes = break_glass_minutes
            policy.save(update_fields=["break_glass_minutes", "updated_at"])
        audit_event_record(
            actor=actor,
            action="update",
            obj=policy,
            changes={"break_glass_minutes": [before, break_glass_minutes]},
        )
    return policy
