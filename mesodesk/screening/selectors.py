"""Reads of screenings, scoped to the actor's clinic; reads of findings are audited."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from django.db.models import OuterRef, QuerySet, Subquery

from mesodesk.accounts.actor import Actor
from mesodesk.accounts.choices import Capability
from mesodesk.audit.choices import AuditAction
from mesodesk.audit.services import audit_event_record
from mesodesk.core.errors import ObjectId
from mesodesk.core.lookups import get_in_clinic
from mesodesk.patients.selectors import patient_get
from mesodesk.screening.models import Screening


def screenings_for(*, actor: Actor, patient_id: ObjectId) -> QuerySet[Screening]:
    """A patient's screenings; the read of the list is audited."""
    actor.require(Capability.CLINICAL_VIEW)
    patient = patient_get(actor=actor, patient_id=patient_id)
    audit_event_record(
        actor=actor,
        action=AuditAction.READ,
        obj=patient,
        patient_id=patient.pk,
        summary="screenings list",
    )
    return (
        Screening.objects.filter(clinic=actor.clinic, patient=patient)
        .select_related("performed_by", "override", "override__overridden_by")
        .order_by("-performed_at")
    )


def screening_get(*, actor: Actor, screening_id: ObjectId) -> Screening:
    actor.require(Capability.CLINICAL_VIEW)
    screening = get_in_clinic(
        Screening.objects.select_related(
            "performed_by", "override", "override__overridden_by"
        ).filter(clinic=actor.clinic),
        screening_id,
    )
    audit_event_record(
        actor=actor,
        action=AuditAction.READ,
        obj=screening,
        patient_id=screening.patient_id,
        summary="screening",
    )
    return screening


def screening_patient_id(*, actor: Actor, screening_id: ObjectId) -> uuid.UUID:
    """Whose screening it is, to find the way back to the chart; reads no findings, so it is
    not audited."""
    actor.require(Capability.CLINICAL_VIEW)
    screening = get_in_clinic(
        Screening.objects.only("patient_id").filter(clinic=actor.clinic), screening_id
    )
    return screening.patient_id


@dataclass(frozen=True)
class ScreeningPanel:
    """What the chart's screening panel shows; findings only for clinical roles."""

    patient_id: uuid.UUID
    latest: Screening | None
    shows_findings: bool


def screening_panel(*, actor: Actor, patient_id: ObjectId) -> ScreeningPanel:
    patient = patient_get(actor=actor, patient_id=patient_id)
    shows = actor.can(Capability.CLINICAL_VIEW)
    latest = (
        Screening.objects.filter(clinic=actor.clinic, patient=patient)
        .select_related("performed_by", "override", "override__overridden_by")
        .order_by("-performed_at")
        .first()
    )
    if shows and latest is not None:
        audit_event_record(
            actor=actor,
            action=AuditAction.READ,
            obj=latest,
            patient_id=patient.pk,
            summary="screening panel",
        )
    return ScreeningPanel(patient_id=patient.pk, latest=latest, shows_findings=shows)


# --- For the apps above (plans, sessions): clinic-scoped, role checks are the caller's ----------


def plan_screenings(*, clinic_id: uuid.UUID) -> QuerySet[Screening]:
    """The clinic's screenings with what a plan's view shows of them."""
    return Screening.objects.filter(clinic_id=clinic_id).select_related(
        "override", "override__overridden_by", "performed_by"
    )


def screening_with_override(*, clinic_id: uuid.UUID, screening_id: uuid.UUID) -> Screening | None:
    """One screening of the clinic with its override (a session's re-confirmation), or None."""
    return (
        Screening.objects.filter(clinic_id=clinic_id, pk=screening_id)
        .select_related("override")
        .first()
    )


def latest_plan_screening(*, clinic_id: uuid.UUID, plan_id: uuid.UUID) -> Screening | None:
    return (
        plan_screenings(clinic_id=clinic_id)
        .filter(plan_id=plan_id)
        .order_by("-performed_at")
        .first()
    )


def latest_plan_screenings(
    *, clinic_id: uuid.UUID, plan_ids: list[uuid.UUID]
) -> dict[uuid.UUID, Screening]:
    """The newest screening of each plan, in one query."""
    newest = (
        Screening.objects.filter(plan_id=OuterRef("plan_id"))
        .order_by("-performed_at")
        .values("pk")[:1]
    )
    rows = plan_screenings(clinic_id=clinic_id).filter(plan_id__in=plan_ids, pk=Subquery(newest))
    return {screening.plan_id: screening for screening in rows if screening.plan_id}


def plan_screening_of_day(
    *, clinic_id: uuid.UUID, plan_id: uuid.UUID, since: dt.datetime, on: dt.date
) -> Screening | None:
    """The plan's newest screening made on `on` after `since` (its last change), if any."""
    return (
        Screening.objects.filter(
            clinic_id=clinic_id, plan_id=plan_id, performed_at__gte=since, screened_on=on
        )
        .select_related("override")
        .order_by("-performed_at")
        .first()
    )
