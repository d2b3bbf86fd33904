"""Screening over the JSON API."""

from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpRequest
from ninja import Router, Status

from mesodesk.accounts.access import request_actor
from mesodesk.core.api import ERRORS
from mesodesk.screening import selectors, services
from mesodesk.screening.models import Screening
from mesodesk.screening.schemas import OverrideIn, ScreeningIn, ScreeningOut

router = Router(tags=["screening"])


def screening_out(screening: Screening) -> dict[str, Any]:
    override = getattr(screening, "override", None)
    return {
        **{
            name: getattr(screening, name)
            for name in (
                "id",
                "patient_id",
                "performed_at",
                "screened_on",
                "reason",
                "indication",
                "areas",
                "ingredients",
                "verdict",
                "findings",
                "engine_version",
                "knowledge_version",
            )
        },
        "override": None
        if override is None
        else {
            "reason": override.reason,
            "overridden_by": override.overridden_by.email,
            "created_at": override.created_at,
            "rule_ids": override.rule_ids,
        },
    }


@router.post(
    "/screenings",
    response={201: ScreeningOut, **ERRORS},
    summary="Screen a patient for a planned indication, areas and ingredients",
)
def screening_create(request: HttpRequest, payload: ScreeningIn) -> Status[Any]:
    screening = services.screening_run(
        actor=request_actor(request),
        patient_id=payload.patient_id,
        indication=payload.indication,
        areas=payload.areas,
        ingredients=payload.ingredients,
    )
    return Status(201, screening_out(screening))


@router.get(
    "/patients/{patient_id}/screenings",
    response={200: list[ScreeningOut], **ERRORS},
    summary="A patient's screenings, newest first",
)
def screening_list(request: HttpRequest, patient_id: uuid.UUID) -> Any:
    actor = request_actor(request)
    rows = list(selectors.screenings_for(actor=actor, patient_id=patient_id)[:100])
    return [screening_out(s) for s in rows]


@router.get(
    "/screenings/{screening_id}",
    response={200: ScreeningOut, **ERRORS},
    summary="One screening with its findings",
)
def screening_read(request: HttpRequest, screening_id: uuid.UUID) -> Any:
    return screening_out(
        selectors.screening_get(actor=request_actor(request), screening_id=screening_id)
    )


@router.post(
    "/screenings/{screening_id}/override",
    response={201: ScreeningOut, **ERRORS},
    summary="Override a screening with a written reason (practitioners)",
)
def screening_override(
    request: HttpRequest, screening_id: uuid.UUID, payload: OverrideIn
) -> Status[Any]:
    override = services.screening_override(
        actor=request_actor(request), screening_id=screening_id, reason=payload.reason
    )
    return Status(201, screening_out(override.screening))
