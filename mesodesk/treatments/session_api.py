"""Treatment sessions over the JSON API: the checklist, charting, signing, addenda, aftercare."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from decimal import Decimal
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema, Status

from mesodesk.accounts.access import request_actor
from mesodesk.accounts.actor import Actor
from mesodesk.accounts.choices import Capability
from mesodesk.accounts.models import User
from mesodesk.core.api import ERRORS
from mesodesk.core.errors import FieldErrors, ObjectId
from mesodesk.core.http import pdf_response
from mesodesk.core.pdf import render_pdf
from mesodesk.core.schemas import InSchema
from mesodesk.notifications.selectors import emails_about
from mesodesk.treatments import charting, sessions
from mesodesk.treatments.aftercare import aftercare_document, aftercare_send
from mesodesk.treatments.models import TreatmentSession
from mesodesk.treatments.presenters import SessionView, dose_json
from mesodesk.treatments.schemas import DoseOut
from mesodesk.treatments.selectors import aftercare_get, plan_get, session_get

router = Router(tags=["treatment sessions"])


class ProgressOut(Schema):
    number: int
    planned: int
    signed: int
    next_earliest: dt.date | None
    next_latest: dt.date | None


class ChecklistOut(Schema):
    key: str
    label: str
    done: bool
    required: bool
    detail: str


class PointOut(Schema):
    id: uuid.UUID
    kind: str
    view: str
    region: str
    region_label: str
    side: str
    x: Decimal | None
    y: Decimal | None
    product_id: uuid.UUID
    product_name: str
    lot_id: uuid.UUID | None
    lot_number: str | None
    volume_ml: Decimal
    depth_mm: Decimal | None
    technique: str
    needle: str


class RegionCountOut(Schema):
    region: str
    injections: int
    volume_ml: Decimal


class AddendumOut(Schema):
    id: uuid.UUID
    text: str
    signed_by: str
    created_at: dt.datetime


class SessionBriefOut(Schema):
    id: uuid.UUID
    plan_id: uuid.UUID
    patient_id: uuid.UUID
    number: int
    status: str
    checked_in_at: dt.datetime | None


class SessionOut(SessionBriefOut):
    progress: ProgressOut
    checklist: list[ChecklistOut]
    consent_id: uuid.UUID | None
    screening_id: uuid.UUID | None
    facts_reconfirmed_at: dt.datetime | None
    photos_confirmed_at: dt.datetime | None
    antisepsis_agent: str
    anaesthetic_product: str
    anaesthetic_applied_at: dt.datetime | None
    anaesthetic_minutes_required: int | None
    anaesthetic_minutes_elapsed: int | None
    practitioner: str | None
    assistant: str | None
    started_at: dt.datetime | None
    ended_at: dt.datetime | None
    notes: str
    immediate_reactions: str
    signed_at: dt.datetime | None
    signed_by: str | None
    end_reason: str
    points: list[PointOut]
    regions: list[RegionCountOut]
    dose: DoseOut
    addenda: list[AddendumOut]
    aftercare: bool


class ReconfirmIn(InSchema):
    answers: dict[str, Literal["present", "absent"]] = Field(
        description="Today's answer to every time-sensitive question (see `checklist`)."
    )
    sites: dict[str, str] = Field({}, description="Where a present site-bound fact is.")
    medicines_unchanged: bool


class AntisepsisIn(InSchema):
    agent: str = Field(max_length=40)


class AnaestheticIn(InSchema):
    product: str = Field(max_length=120)
    applied_at: dt.datetime | None = Field(None, description="Defaults to now.")


class StartIn(InSchema):
    assistant_id: uuid.UUID | None = None
    start_early: bool = False


class CompleteIn(InSchema):
    notes: str = Field("", max_length=4000)
    immediate_reactions: str = Field("", max_length=2000)


class EndIn(InSchema):
    reason: str = Field(max_length=2000)
    did_not_attend: bool = False


class PointIn(InSchema):
    kind: Literal["point", "zone"] = "point"
    view: str = Field(max_length=20)
    region: str = Field(max_length=40)
    side: Literal["", "left", "right"] = ""
    x: Decimal | None = None
    y: Decimal | None = None
    lot_id: uuid.UUID
    volume_ml: Decimal
    depth_mm: Decimal | None = None
    technique: str = Field("", max_length=40)
    needle: str = Field("", max_length=80)


class AddendumIn(InSchema):
    text: str = Field(max_length=4000)


class SendIn(InSchema):
    to: str = Field("", max_length=254, description="Defaults to the patient's address.")


class EmailOut(Schema):
    id: uuid.UUID
    to: str
    status: str
    attempts: int
    last_error: str


class AftercareOut(Schema):
    session_id: uuid.UUID
    knowledge_version: str
    treated: str
    avoid: list[str]
    care: list[str]
    expect: list[str]
    warnings: list[str]
    next_appointment: str
    contact: str
    emails: list[EmailOut]


def _name(user: User | None) -> str | None:
    return user.full_name if user is not None else None


def _brief(request: HttpRequest, session_id: ObjectId) -> dict[str, Any]:
    session = session_get(actor=request_actor(request), session_id=session_id)
    return {name: getattr(session, name) for name in SessionBriefOut.model_fields}


POINT_FIELDS = (
    "id",
    "kind",
    "view",
    "region",
    "region_label",
    "side",
    "x",
    "y",
    "product_id",
    "lot_id",
    "volume_ml",
    "depth_mm",
    "technique",
    "needle",
)
SESSION_FIELDS = (
    *SessionBriefOut.model_fields,
    "consent_id",
    "screening_id",
    "facts_reconfirmed_at",
    "photos_confirmed_at",
    "antisepsis_agent",
    "anaesthetic_product",
    "anaesthetic_applied_at",
    "anaesthetic_minutes_required",
    "started_at",
    "ended_at",
    "notes",
    "immediate_reactions",
    "signed_at",
    "end_reason",
)


def _full(request: HttpRequest, session_id: ObjectId) -> dict[str, Any]:
    """The whole session for a clinician (front desk gets 403: it sees the brief only)."""
    actor = request_actor(request)
    actor.require(Capability.CLINICAL_VIEW)
    session = session_get(actor=actor, session_id=session_id)
    view = SessionView(actor, session)
    progress = view.progress
    return {name: getattr(session, name) for name in SESSION_FIELDS} | {
        "progress": {
            "number": progress.number,
            "planned": progress.planned,
            "signed": progress.signed,
            "next_earliest": progress.window.earliest if progress.window else None,
            "next_latest": progress.window.latest if progress.window else None,
        },
        "checklist": [dataclasses.asdict(i) for i in view.checklist],
        "anaesthetic_minutes_elapsed": view.anaesthetic_elapsed,
        "practitioner": _name(session.practitioner),
        "assistant": _name(session.assistant),
        "signed_by": _name(session.signed_by),
        "points": [
            {
                **{name: getattr(p, name) for name in POINT_FIELDS},
                "product_name": p.product.name,
                "lot_number": p.lot.lot_number if p.lot else None,
            }
            for p in view.points
        ],
        "regions": [
            {"region": label, "injections": n, "volume_ml": volume}
            for label, n, volume in view.regions
        ],
        "dose": dose_json(view.dose),
        "addenda": [
            {
                "id": a.pk,
                "text": a.text,
                "signed_by": a.signed_by.full_name,
                "created_at": a.created_at,
            }
            for a in view.addenda
        ],
        "aftercare": view.aftercare is not None,
    }


def _assistant(actor: Actor, assistant_id: uuid.UUID | None) -> User | None:
    if assistant_id is None:
        return None
    user = User.objects.filter(pk=assistant_id, memberships__clinic=actor.clinic).first()
    if user is None:
        raise FieldErrors.single("assistant_id", "No such member of this clinic.")
    return user


@router.get(
    "/plans/{plan_id}/sessions",
    response={200: list[SessionBriefOut], **ERRORS},
    summary="A plan's sessions",
)
def session_list(request: HttpRequest, plan_id: uuid.UUID) -> Any:
    actor = request_actor(request)
    actor.require(Capability.SESSION_CHECK_IN)
    plan = plan_get(actor=actor, plan_id=plan_id)
    return list(
        TreatmentSession.objects.filter(clinic=actor.clinic, plan=plan).values(
            *SessionBriefOut.model_fields
        )
    )


@router.post(
    "/plans/{plan_id}/sessions",
    response={201: SessionOut, **ERRORS},
    summary="Schedule the plan's next session (the plan must be active, consent held)",
)
def session_create(request: HttpRequest, plan_id: uuid.UUID) -> Status[Any]:
    session = sessions.session_create(actor=request_actor(request), plan_id=plan_id)
    return Status(201, _full(request, session.pk))


@router.get(
    "/sessions/{session_id}",
    response={200: SessionOut, **ERRORS},
    summary="A session: checklist, progress, points, live totals, addenda",
)
def session_read(request: HttpRequest, session_id: uuid.UUID) -> Any:
    return _full(request, session_id)


@router.post(
    "/sessions/{session_id}/check-in",
    response={200: SessionBriefOut, **ERRORS},
    summary="The patient has arrived (front desk)",
)
def session_check_in(request: HttpRequest, session_id: uuid.UUID) -> Any:
    sessions.session_check_in(actor=request_actor(request), session_id=session_id)
    return _brief(request, session_id)


@router.post(
    "/sessions/{session_id}/end",
    response={200: SessionBriefOut, **ERRORS},
    summary="Cancel a session that has not started, or record did-not-attend",
)
def session_end(request: HttpRequest, session_id: uuid.UUID, payload: EndIn) -> Any:
    sessions.session_end(
        actor=request_actor(request),
        session_id=session_id,
        reason=payload.reason,
        did_not_attend=payload.did_not_attend,
    )
    return _brief(request, session_id)


@router.post(
    "/sessions/{session_id}/prepare",
    response={200: SessionOut, **ERRORS},
    summary="Start the preparation checklist",
)
def session_prepare(request: HttpRequest, session_id: uuid.UUID) -> Any:
    sessions.session_prepare(actor=request_actor(request), session_id=session_id)
    return _full(request, session_id)


@router.post(
    "/sessions/{session_id}/reconfirm",
    response={200: SessionOut, **ERRORS},
    summary="Today's time-sensitive facts; the plan is screened again",
)
def session_reconfirm(request: HttpRequest, session_id: uuid.UUID, payload: ReconfirmIn) -> Any:
    sessions.session_reconfirm(
        actor=request_actor(request),
        session_id=session_id,
        answers=payload.answers,
        sites=payload.sites,
        medicines_unchanged=payload.medicines_unchanged,
    )
    return _full(request, session_id)


@router.post(
    "/sessions/{session_id}/photos",
    response={200: SessionOut, **ERRORS},
    summary="Record that the protocol's baseline photographs were taken",
)
def session_photos(request: HttpRequest, session_id: uuid.UUID) -> Any:
    sessions.session_confirm_photos(actor=request_actor(request), session_id=session_id)
    return _full(request, session_id)


@router.post(
    "/sessions/{session_id}/antisepsis",
    response={200: SessionOut, **ERRORS},
    summary="Record the skin antisepsis agent",
)
def session_antisepsis(request: HttpRequest, session_id: uuid.UUID, payload: AntisepsisIn) -> Any:
    sessions.session_record_antisepsis(
        actor=request_actor(request), session_id=session_id, agent=payload.agent
    )
    return _full(request, session_id)


@router.post(
    "/sessions/{session_id}/anaesthetic",
    response={200: SessionOut, **ERRORS},
    summary="Record when the topical anaesthetic was applied (starts the timer)",
)
def session_anaesthetic(request: HttpRequest, session_id: uuid.UUID, payload: AnaestheticIn) -> Any:
    sessions.session_record_anaesthetic(
        actor=request_actor(request),
        session_id=session_id,
        product=payload.product,
        applied_at=payload.applied_at,
    )
    return _full(request, session_id)


@router.post(
    "/sessions/{session_id}/start",
    response={200: SessionOut, **ERRORS},
    summary="Start the procedure (every required checklist item must be done)",
)
def session_start(request: HttpRequest, session_id: uuid.UUID, payload: StartIn) -> Any:
    actor = request_actor(request)
    sessions.session_start(
        actor=actor,
        session_id=session_id,
        assistant=_assistant(actor, payload.assistant_id),
        start_early=payload.start_early,
    )
    return _full(request, session_id)


@router.post(
    "/sessions/{session_id}/points",
    response={201: SessionOut, **ERRORS},
    summary="Chart an injection point or a zone with its lot",
)
def point_add(request: HttpRequest, session_id: uuid.UUID, payload: PointIn) -> Status[Any]:
    charting.point_add(
        actor=request_actor(request), session_id=session_id, data=payload.model_dump()
    )
    return Status(201, _full(request, session_id))


@router.delete(
    "/injection-points/{point_id}",
    response={200: SessionOut, **ERRORS},
    summary="Remove a charted injection (not after signing)",
)
def point_remove(request: HttpRequest, point_id: uuid.UUID) -> Any:
    session = charting.point_remove(actor=request_actor(request), point_id=point_id)
    return _full(request, session.pk)


@router.post(
    "/sessions/{session_id}/copy-previous",
    response={200: SessionOut, **ERRORS},
    summary="Start the chart from the plan's last signed session",
)
def session_copy_previous(request: HttpRequest, session_id: uuid.UUID) -> Any:
    charting.session_copy_previous_map(actor=request_actor(request), session_id=session_id)
    return _full(request, session_id)


@router.post(
    "/sessions/{session_id}/complete",
    response={200: SessionOut, **ERRORS},
    summary="End the procedure; the aftercare sheet is generated",
)
def session_complete(request: HttpRequest, session_id: uuid.UUID, payload: CompleteIn) -> Any:
    sessions.session_complete(
        actor=request_actor(request),
        session_id=session_id,
        notes=payload.notes,
        immediate_reactions=payload.immediate_reactions,
    )
    return _full(request, session_id)


@router.post(
    "/sessions/{session_id}/sign",
    response={200: SessionOut, **ERRORS},
    summary="Sign and lock the session; its lots leave stock exactly once",
)
def session_sign(request: HttpRequest, session_id: uuid.UUID) -> Any:
    sessions.session_sign(actor=request_actor(request), session_id=session_id)
    return _full(request, session_id)


@router.post(
    "/sessions/{session_id}/addenda",
    response={201: AddendumOut, **ERRORS},
    summary="A signed correction to a signed session",
)
def addendum_add(request: HttpRequest, session_id: uuid.UUID, payload: AddendumIn) -> Status[Any]:
    addendum = sessions.session_addendum_add(
        actor=request_actor(request), session_id=session_id, text=payload.text
    )
    return Status(
        201,
        {
            "id": addendum.pk,
            "text": addendum.text,
            "signed_by": addendum.signed_by.full_name,
            "created_at": addendum.created_at,
        },
    )


@router.get(
    "/sessions/{session_id}/aftercare",
    response={200: AftercareOut, **ERRORS},
    summary="The aftercare sheet and its e-mails",
)
def aftercare_read(request: HttpRequest, session_id: uuid.UUID) -> Any:
    actor = request_actor(request)
    sheet = aftercare_get(actor=actor, session_id=session_id)
    emails = emails_about(actor=actor, related_id=sheet.pk)
    return {
        **sheet.content,
        "session_id": sheet.session_id,
        "knowledge_version": sheet.knowledge_version,
        "emails": [
            {
                "id": e.pk,
                "to": e.to,
                "status": e.status,
                "attempts": e.attempts,
                "last_error": e.last_error,
            }
            for e in emails
        ],
    }


@router.get(
    "/sessions/{session_id}/aftercare.pdf",
    response={200: None, **ERRORS},
    summary="The aftercare sheet as PDF",
)
def aftercare_pdf(request: HttpRequest, session_id: uuid.UUID) -> HttpResponse:
    sheet = aftercare_get(actor=request_actor(request), session_id=session_id)
    pdf = render_pdf(aftercare_document(sheet, sheet.patient.full_name))
    return pdf_response(pdf, f"aftercare-{sheet.session_id}.pdf")


@router.post(
    "/sessions/{session_id}/aftercare/send",
    response={202: EmailOut, **ERRORS},
    summary="E-mail the aftercare sheet (queued; its status is recorded)",
)
def aftercare_email(request: HttpRequest, session_id: uuid.UUID, payload: SendIn) -> Status[Any]:
    email = aftercare_send(actor=request_actor(request), session_id=session_id, to=payload.to)
    return Status(
        202,
        {
            "id": email.pk,
            "to": email.to,
            "status": email.status,
            "attempts": email.attempts,
            "last_error": email.last_error,
        },
    )
