"""Treatment sessions over the JSON API: the checklist, charting, signing, addenda, aftercare."""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router, Status

from mesodesk.accounts.access import request_actor
from mesodesk.accounts.actor import Actor
from mesodesk.accounts.choices import Capability
from mesodesk.accounts.models import User
from mesodesk.accounts.selectors import assistants_for
from mesodesk.core.api import ERRORS
from mesodesk.core.errors import FieldErrors, ObjectId
from mesodesk.core.http import pdf_response
from mesodesk.core.pdf import render_pdf
from mesodesk.sessions import services
from mesodesk.sessions.aftercare import aftercare_document
from mesodesk.sessions.presenters import SessionView
from mesodesk.sessions.schemas import (
    AddendumIn,
    AddendumOut,
    AftercareOut,
    AnaestheticIn,
    AntisepsisIn,
    CompleteIn,
    EmailOut,
    EndIn,
    PointIn,
    ReconfirmIn,
    SendIn,
    SessionBriefOut,
    SessionNewIn,
    SessionOut,
    SessionSignIn,
    StartIn,
)
from mesodesk.sessions.selectors import (
    aftercare_emails,
    aftercare_get,
    session_get,
    sessions_of_plan,
)
from mesodesk.treatments.presenters import dose_json
from mesodesk.treatments.selectors import plan_get

router = Router(tags=["treatment sessions"])


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
    "timing",
    "timing_reason",
    "window_earliest",
    "window_latest",
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
    user = assistants_for(actor.clinic).filter(pk=assistant_id).first()
    if user is None:
        raise FieldErrors.single(
            "assistant_id", "Choose a nurse or practitioner of this clinic as assistant."
        )
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
    return list(sessions_of_plan(actor=actor, plan=plan).values(*SessionBriefOut.model_fields))


@router.post(
    "/plans/{plan_id}/sessions",
    response={201: SessionOut, **ERRORS},
    summary="Schedule the plan's next session (the plan must be active, consent held)",
)
def session_create(request: HttpRequest, plan_id: uuid.UUID, payload: SessionNewIn) -> Status[Any]:
    session = services.session_create(
        actor=request_actor(request), plan_id=plan_id, early_reason=payload.early_reason
    )
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
    services.session_check_in(actor=request_actor(request), session_id=session_id)
    return _brief(request, session_id)


@router.post(
    "/sessions/{session_id}/end",
    response={200: SessionBriefOut, **ERRORS},
    summary="Cancel a session that has not started, or record did-not-attend",
)
def session_end(request: HttpRequest, session_id: uuid.UUID, payload: EndIn) -> Any:
    services.session_end(
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
    services.session_prepare(actor=request_actor(request), session_id=session_id)
    return _full(request, session_id)


@router.post(
    "/sessions/{session_id}/reconfirm",
    response={200: SessionOut, **ERRORS},
    summary="Today's time-sensitive facts; the plan is screened again",
)
def session_reconfirm(request: HttpRequest, session_id: uuid.UUID, payload: ReconfirmIn) -> Any:
    services.session_reconfirm(
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
    services.session_confirm_photos(actor=request_actor(request), session_id=session_id)
    return _full(request, session_id)


@router.post(
    "/sessions/{session_id}/antisepsis",
    response={200: SessionOut, **ERRORS},
    summary="Record the skin antisepsis agent",
)
def session_antisepsis(request: HttpRequest, session_id: uuid.UUID, payload: AntisepsisIn) -> Any:
    services.session_record_antisepsis(
        actor=request_actor(request), session_id=session_id, agent=payload.agent
    )
    return _full(request, session_id)


@router.post(
    "/sessions/{session_id}/anaesthetic",
    response={200: SessionOut, **ERRORS},
    summary="Record when the topical anaesthetic was applied (starts the timer)",
)
def session_anaesthetic(request: HttpRequest, session_id: uuid.UUID, payload: AnaestheticIn) -> Any:
    services.session_record_anaesthetic(
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
    services.session_start(
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
    services.point_add(
        actor=request_actor(request), session_id=session_id, data=payload.model_dump()
    )
    return Status(201, _full(request, session_id))


@router.delete(
    "/injection-points/{point_id}",
    response={200: SessionOut, **ERRORS},
    summary="Remove a charted injection (not after signing)",
)
def point_remove(request: HttpRequest, point_id: uuid.UUID) -> Any:
    session = services.point_remove(actor=request_actor(request), point_id=point_id)
    return _full(request, session.pk)


@router.post(
    "/sessions/{session_id}/copy-previous",
    response={200: SessionOut, **ERRORS},
    summary="Start the chart from the plan's last signed session",
)
def session_copy_previous(request: HttpRequest, session_id: uuid.UUID) -> Any:
    services.session_copy_previous_map(actor=request_actor(request), session_id=session_id)
    return _full(request, session_id)


@router.post(
    "/sessions/{session_id}/complete",
    response={200: SessionOut, **ERRORS},
    summary="End the procedure; the aftercare sheet is generated",
)
def session_complete(request: HttpRequest, session_id: uuid.UUID, payload: CompleteIn) -> Any:
    services.session_complete(
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
def session_sign(request: HttpRequest, session_id: uuid.UUID, payload: SessionSignIn) -> Any:
    services.session_sign(
        actor=request_actor(request), session_id=session_id, secret=payload.password
    )
    return _full(request, session_id)


@router.post(
    "/sessions/{session_id}/addenda",
    response={201: AddendumOut, **ERRORS},
    summary="A signed correction to a signed session",
)
def addendum_add(request: HttpRequest, session_id: uuid.UUID, payload: AddendumIn) -> Status[Any]:
    addendum = services.session_addendum_add(
        actor=request_actor(request),
        session_id=session_id,
        text=payload.text,
        secret=payload.password,
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
    emails = aftercare_emails(actor=actor, sheet=sheet)
    return {
        **sheet.content,
        "session_id": sheet.session_id,
        "knowledge_version": sheet.knowledge_version,
        "version": sheet.version,
        "emails": [
            {
                "id": e.pk,
                "to": e.to,
                "status": e.status,
                "attempts": e.attempts,
                "last_error": e.last_error,
                "version": version,
            }
            for e, version in emails
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
    email = services.aftercare_send(
        actor=request_actor(request), session_id=session_id, to=payload.to
    )
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
