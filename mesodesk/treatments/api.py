"""Treatment plans over the JSON API."""

from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router, Status

from mesodesk.accounts.access import request_actor
from mesodesk.core.api import ERRORS
from mesodesk.core.errors import ObjectId
from mesodesk.core.http import pdf_response
from mesodesk.knowledge.selectors import clinic_knowledge
from mesodesk.patients.selectors import patient_get
from mesodesk.treatments import selectors, services, summary
from mesodesk.treatments.presenters import plan_json, plan_view, plan_views
from mesodesk.treatments.schemas import LineIn, LinePatch, PlanIn, PlanOut, PlanPatch, ReasonIn

router = Router(tags=["treatment plans"])


def _out(request: HttpRequest, plan_id: ObjectId) -> dict[str, Any]:
    actor = request_actor(request)
    return plan_json(plan_view(actor, selectors.plan_get(actor=actor, plan_id=plan_id)))


@router.get(
    "/patients/{patient_id}/plans",
    response={200: list[PlanOut], **ERRORS},
    summary="A patient's treatment plans",
)
def plan_list(request: HttpRequest, patient_id: uuid.UUID) -> Any:
    actor = request_actor(request)
    patient = patient_get(actor=actor, patient_id=patient_id)
    plans = list(selectors.plans_of_patient(actor=actor, patient_id=patient.pk))
    return [plan_json(view) for view in plan_views(actor, plans)]


@router.post(
    "/patients/{patient_id}/plans",
    response={201: PlanOut, **ERRORS},
    summary="Draft a treatment plan (screened at once)",
)
def plan_create(request: HttpRequest, patient_id: uuid.UUID, payload: PlanIn) -> Status[Any]:
    plan = services.plan_create(
        actor=request_actor(request), patient_id=patient_id, data=payload.model_dump()
    )
    return Status(201, _out(request, plan.pk))


@router.get(
    "/plans/{plan_id}",
    response={200: PlanOut, **ERRORS},
    summary="A plan with its dose check and latest screening",
)
def plan_read(request: HttpRequest, plan_id: uuid.UUID) -> Any:
    return _out(request, plan_id)


@router.patch("/plans/{plan_id}", response={200: PlanOut, **ERRORS}, summary="Change a draft")
def plan_update(request: HttpRequest, plan_id: uuid.UUID, payload: PlanPatch) -> Any:
    services.plan_update(
        actor=request_actor(request), plan_id=plan_id, data=payload.model_dump(exclude_unset=True)
    )
    return _out(request, plan_id)


@router.post(
    "/plans/{plan_id}/lines",
    response={201: PlanOut, **ERRORS},
    summary="Add a product line to the mix",
)
def line_add(request: HttpRequest, plan_id: uuid.UUID, payload: LineIn) -> Status[Any]:
    services.mixline_add(
        actor=request_actor(request),
        plan_id=plan_id,
        product_id=payload.product_id,
        volume_ml=payload.volume_ml,
        area=payload.area,
    )
    return Status(201, _out(request, plan_id))


@router.patch(
    "/plan-lines/{line_id}",
    response={200: PlanOut, **ERRORS},
    summary="Change a mix line's volume or area",
)
def line_update(request: HttpRequest, line_id: uuid.UUID, payload: LinePatch) -> Any:
    line = services.mixline_update(
        actor=request_actor(request),
        line_id=line_id,
        volume_ml=payload.volume_ml,
        area=payload.area,
    )
    return _out(request, line.plan_id)


@router.delete(
    "/plan-lines/{line_id}", response={200: PlanOut, **ERRORS}, summary="Remove a mix line"
)
def line_remove(request: HttpRequest, line_id: uuid.UUID) -> Any:
    plan = services.mixline_remove(actor=request_actor(request), line_id=line_id)
    return _out(request, plan.pk)


@router.post(
    "/plans/{plan_id}/activate",
    response={200: PlanOut, **ERRORS},
    summary="Activate a draft (screening and dose checks must pass)",
)
def plan_activate(request: HttpRequest, plan_id: uuid.UUID) -> Any:
    services.plan_activate(actor=request_actor(request), plan_id=plan_id)
    return _out(request, plan_id)


@router.post(
    "/plans/{plan_id}/complete",
    response={200: PlanOut, **ERRORS},
    summary="Complete an active plan",
)
def plan_complete(request: HttpRequest, plan_id: uuid.UUID) -> Any:
    services.plan_complete(actor=request_actor(request), plan_id=plan_id)
    return _out(request, plan_id)


@router.post(
    "/plans/{plan_id}/cancel",
    response={200: PlanOut, **ERRORS},
    summary="Cancel a plan, with a reason",
)
def plan_cancel(request: HttpRequest, plan_id: uuid.UUID, payload: ReasonIn) -> Any:
    services.plan_cancel(actor=request_actor(request), plan_id=plan_id, reason=payload.reason)
    return _out(request, plan_id)


@router.get(
    "/plans/{plan_id}/summary.pdf",
    response={200: None, **ERRORS},
    summary="The patient-facing plan summary as PDF",
)
def plan_summary_pdf(request: HttpRequest, plan_id: uuid.UUID) -> HttpResponse:
    actor = request_actor(request)
    plan = selectors.plan_get(actor=actor, plan_id=plan_id)
    pdf = summary.plan_summary_pdf(plan, clinic_knowledge(actor.clinic), actor.clinic.name)
    return pdf_response(pdf, f"plan-summary-{plan.pk}.pdf")
