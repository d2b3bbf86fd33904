"""Reads of screenings, scoped to the actor's clinic; reads of findings are audited."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db.models import QuerySet

from mesodesk.accounts.actor import Actor
from mesodesk.accounts.choices import Capability
from mesodesk.audit.choices import AuditAction
from mesodesk.audit.services import audit_event_record
from mesodesk.core.errors import ObjectId
from mesodesk.core.lookups import get_in_clinic
from mesodesk.patients.selectors import patient_get
from mesodesk.screening.models import Screening


def screenings_for(*, actor: Actor, patient_id: ObjectId) -> QuerySet[Screening]:
    actor.require(Capability.CLINICAL_VIEW)
    patient = patient_get(actor=actor, patient_id=patient_id)
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
