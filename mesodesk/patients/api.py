"""Patients, medical history and intake over the JSON API."""

from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from mesodesk.accounts.access import request_actor
from mesodesk.accounts.choices import Capability
from mesodesk.audit.choices import AuditAction
from mesodesk.audit.services import audit_event_record
from mesodesk.core.api import ERRORS
from mesodesk.core.paging import MAX_PAGE
from mesodesk.patients import selectors, services
from mesodesk.patients.intake import IntakeAnswers, proposed_facts
from mesodesk.patients.models import IntakeSubmission, Patient
from mesodesk.patients.schemas import (
    AllergyIn,
    AllergyOut,
    AllergyPatch,
    ClinicalProfileOut,
    ConditionIn,
    ConditionOut,
    ConditionPatch,
    HistoryOut,
    HistoryReviewIn,
    IntakeAcceptIn,
    IntakeLinkIn,
    IntakeLinkOut,
    IntakeOut,
    IntakeRejectIn,
    IssuedLinkOut,
    MedicationIn,
    MedicationOut,
    MedicationPatch,
    PatientIn,
    PatientOut,
    PatientPageOut,
    PatientPatch,
)
from mesodesk.patients.services import intake as intake_services

router = Router(tags=["patients"])


def _patient_out(request: HttpRequest, patient: Patient) -> dict[str, Any]:
    actor = request_actor(request)
    data = PatientOut.from_orm(patient).model_dump()
    if actor.can(Capability.CLINICAL_VIEW):
        data["clinical"] = ClinicalProfileOut.from_orm(patient).model_dump()
    return data


def _payload(schema: Schema, *, unset: bool = False) -> dict[str, Any]:
    data = schema.model_dump(exclude_unset=unset)
    if data.get("asserted_on", "") is None:
        del data["asserted_on"]
    return data


class SearchParams(Schema):
    q: str = ""
    page: int = Field(1, ge=1, le=MAX_PAGE)


@router.get(
    "/patients", response={200: PatientPageOut, **ERRORS}, summary="List or search patients"
)
def patient_list(request: HttpRequest, params: Query[SearchParams]) -> dict[str, Any]:
    result = selectors.patient_search(
        actor=request_actor(request), query=params.q[:100], page=params.page
    )
    return {"items": result.patients, "page": result.page, "has_next": result.has_next}


@router.post(
    "/patients",
    response={201: PatientOut, **ERRORS},
    summary="Register a patient (409 naming possible duplicates unless duplicate_reason is given)",
)
def patient_create(request: HttpRequest, payload: PatientIn) -> Status[Any]:
    actor = request_actor(request)
    data = payload.model_dump()
    reason = data.pop("duplicate_reason")
    if not actor.can(Capability.CLINICAL_EDIT):
        data = {
            k: v
            for k, v in data.items()
            if k in services.DEMOGRAPHIC_FIELDS or v not in ("", None, [])
        }
    patient = services.patient_create(actor=actor, data=data, duplicate_reason=reason)
    return Status(201, _patient_out(request, patient))


@router.get(
    "/patients/{patient_id}", response={200: PatientOut, **ERRORS}, summary="Read a patient"
)
def patient_read(request: HttpRequest, patient_id: uuid.UUID) -> dict[str, Any]:
    actor = request_actor(request)
    patient = selectors.patient_get(actor=actor, patient_id=patient_id)
    audit_event_record(
        actor=actor,
        action=AuditAction.READ,
        obj=patient,
        patient_id=patient.pk,
        summary="patient via API",
    )
    return _patient_out(request, patient)


@router.patch(
    "/patients/{patient_id}",
    response={200: PatientOut, **ERRORS},
    summary="Change a patient's details",
)
def patient_update(
    request: HttpRequest, patient_id: uuid.UUID, payload: PatientPatch
) -> dict[str, Any]:
    patient = services.patient_update(
        actor=request_actor(request),
        patient_id=patient_id,
        data=payload.model_dump(exclude_unset=True),
    )
    return _patient_out(request, patient)


@router.get(
    "/patients/{patient_id}/history",
    response={200: HistoryOut, **ERRORS},
    summary="Read a patient's medical history, medications and allergies",
)
def history_read(request: HttpRequest, patient_id: uuid.UUID) -> dict[str, Any]:
    actor = request_actor(request)
    actor.require(Capability.CLINICAL_VIEW)
    patient = selectors.patient_get(actor=actor, patient_id=patient_id)
    audit_event_record(
        actor=actor,
        action=AuditAction.READ,
        obj=patient,
        patient_id=patient.pk,
        summary="history via API",
    )
    return {
        "conditions": list(selectors.conditions_for(actor=actor, patient_id=patient.pk)),
        "medications": list(selectors.medications_for(actor=actor, patient_id=patient.pk)),
        "allergies": list(selectors.allergies_for(actor=actor, patient_id=patient.pk)),
        "medications_reviewed_on": patient.medications_reviewed_on,
        "allergies_reviewed_on": patient.allergies_reviewed_on,
    }


@router.post(
    "/patients/{patient_id}/history/reviews",
    response={200: PatientOut, **ERRORS},
    summary='Confirm the medicines or allergies list complete ("none" when it is empty)',
)
def history_review(
    request: HttpRequest, patient_id: uuid.UUID, payload: HistoryReviewIn
) -> dict[str, Any]:
    patient = services.history_list_review(
        actor=request_actor(request), patient_id=patient_id, which=payload.which, on=payload.on
    )
    return _patient_out(request, patient)


@router.post(
    "/patients/{patient_id}/conditions",
    response={201: ConditionOut, **ERRORS},
    summary="Record a condition (a listed condition on file is updated)",
)
def condition_record(
    request: HttpRequest, patient_id: uuid.UUID, payload: ConditionIn
) -> Status[Any]:
    item = services.condition_record(
        actor=request_actor(request), patient_id=patient_id, data=_payload(payload)
    )
    return Status(201, item)


@router.patch(
    "/conditions/{condition_id}",
    response={200: ConditionOut, **ERRORS},
    summary="Change a recorded condition",
)
def condition_update(request: HttpRequest, condition_id: uuid.UUID, payload: ConditionPatch) -> Any:
    return services.condition_update(
        actor=request_actor(request), condition_id=condition_id, data=_payload(payload, unset=True)
    )


@router.post(
    "/patients/{patient_id}/medications",
    response={201: MedicationOut, **ERRORS},
    summary="Record a medication",
)
def medication_record(
    request: HttpRequest, patient_id: uuid.UUID, payload: MedicationIn
) -> Status[Any]:
    item = services.medication_record(
        actor=request_actor(request), patient_id=patient_id, data=_payload(payload)
    )
    return Status(201, item)


@router.patch(
    "/medications/{medication_id}",
    response={200: MedicationOut, **ERRORS},
    summary="Change a recorded medication",
)
def medication_update(
    request: HttpRequest, medication_id: uuid.UUID, payload: MedicationPatch
) -> Any:
    return services.medication_update(
        actor=request_actor(request),
        medication_id=medication_id,
        data=_payload(payload, unset=True),
    )


@router.post(
    "/patients/{patient_id}/allergies",
    response={201: AllergyOut, **ERRORS},
    summary="Record an allergy",
)
def allergy_record(request: HttpRequest, patient_id: uuid.UUID, payload: AllergyIn) -> Status[Any]:
    item = services.allergy_record(
        actor=request_actor(request), patient_id=patient_id, data=_payload(payload)
    )
    return Status(201, item)


@router.patch(
    "/allergies/{allergy_id}",
    response={200: AllergyOut, **ERRORS},
    summary="Change a recorded allergy",
)
def allergy_update(request: HttpRequest, allergy_id: uuid.UUID, payload: AllergyPatch) -> Any:
    return services.allergy_update(
        actor=request_actor(request), allergy_id=allergy_id, data=_payload(payload, unset=True)
    )


@router.post(
    "/patients/{patient_id}/intake-links",
    response={201: IssuedLinkOut, **ERRORS},
    summary="Issue a single-use intake link (optionally e-mailed)",
)
def intake_link_create(
    request: HttpRequest, patient_id: uuid.UUID, payload: IntakeLinkIn
) -> Status[Any]:
    issued = intake_services.intake_link_create(
        actor=request_actor(request),
        patient_id=patient_id,
        send_to=payload.send_to,
        ttl_hours=payload.ttl_hours,
        base_url=request.build_absolute_uri("/"),
    )
    return Status(201, {**IntakeLinkOut.from_orm(issued.link).model_dump(), "url": issued.url})


@router.get(
    "/patients/{patient_id}/intake-links",
    response={200: list[IntakeLinkOut], **ERRORS},
    summary="List a patient's intake links",
)
def intake_link_list(request: HttpRequest, patient_id: uuid.UUID) -> Any:
    actor = request_actor(request)
    patient = selectors.patient_get(actor=actor, patient_id=patient_id)
    return list(selectors.intake_links_for(actor=actor, patient_id=patient.pk))


@router.post(
    "/intake-links/{link_id}/revoke",
    response={200: IntakeLinkOut, **ERRORS},
    summary="Revoke an unused intake link",
)
def intake_link_revoke(request: HttpRequest, link_id: uuid.UUID) -> Any:
    return intake_services.intake_link_revoke(actor=request_actor(request), link_id=link_id)


def _intake_out(submission: IntakeSubmission) -> dict[str, Any]:
    facts = proposed_facts(IntakeAnswers.model_validate(submission.answers))
    return {
        **IntakeOut.from_orm(submission).model_dump(exclude={"facts"}),
        "facts": [{"key": f.key, "kind": f.kind, "description": f.description} for f in facts],
    }


@router.get(
    "/intakes", response={200: list[IntakeOut], **ERRORS}, summary="Intakes waiting for review"
)
def intake_pending(request: HttpRequest) -> Any:
    return [
        {**IntakeOut.from_orm(s).model_dump(exclude={"facts"}), "facts": []}
        for s in selectors.intakes_pending(actor=request_actor(request))[:200]
    ]


@router.get(
    "/intakes/{submission_id}",
    response={200: IntakeOut, **ERRORS},
    summary="An intake with the facts it proposes",
)
def intake_read(request: HttpRequest, submission_id: uuid.UUID) -> Any:
    return _intake_out(
        selectors.intake_get(actor=request_actor(request), submission_id=submission_id)
    )


@router.post(
    "/intakes/{submission_id}/accept",
    response={200: IntakeOut, **ERRORS},
    summary="Accept the named facts into the history",
)
def intake_accept(request: HttpRequest, submission_id: uuid.UUID, payload: IntakeAcceptIn) -> Any:
    submission = intake_services.intake_accept(
        actor=request_actor(request), submission_id=submission_id, accepted_keys=payload.facts
    )
    return _intake_out(submission)


@router.post(
    "/intakes/{submission_id}/reject",
    response={200: IntakeOut, **ERRORS},
    summary="Reject an intake, with a reason",
)
def intake_reject(request: HttpRequest, submission_id: uuid.UUID, payload: IntakeRejectIn) -> Any:
    submission = intake_services.intake_reject(
        actor=request_actor(request), submission_id=submission_id, reason=payload.reason
    )
    return _intake_out(submission)
