"""The session workflow: scheduled/checked-in → preparation → in procedure → completed →
signed (cancelled and did-not-attend end it early). Every transition is an audited service
that checks its gate; signing uses the lots in the same transaction, once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from mesodesk.accounts.actor import Actor
from mesodesk.accounts.choices import Capability
from mesodesk.accounts.models import User
from mesodesk.accounts.reauth import signer_reauthenticate
from mesodesk.accounts.selectors import assistants_for
from mesodesk.audit.choices import AuditAction
from mesodesk.audit.services import audit_event_record
from mesodesk.catalog.choices import LotStatus
from mesodesk.catalog.selectors import lot_effective_status
from mesodesk.catalog.services import lot_consume
from mesodesk.consent.selectors import consent_state
from mesodesk.core.errors import Conflict, FieldErrors, ObjectId
from mesodesk.core.lookups import get_in_clinic
from mesodesk.knowledge.selectors import clinic_knowledge
from mesodesk.patients.services import condition_record, history_list_review
from mesodesk.patients.signals import history_batch
from mesodesk.screening.choices import ScreeningReason
from mesodesk.screening.models import Screening
from mesodesk.screening.services import screening_refresh
from mesodesk.sessions.checklist import (
    anaesthetic_minutes_elapsed,
    session_checklist,
    time_sensitive_questions,
)
from mesodesk.sessions.choices import (
    OPEN_SESSION_STATUSES,
    CourseTiming,
    IncidentKind,
    SessionStatus,
)
from mesodesk.sessions.course import plan_course
from mesodesk.sessions.fields import ANAESTHETIC_MINUTES_AGO
from mesodesk.sessions.models import SessionAddendum, SessionIncident, TreatmentSession
from mesodesk.sessions.selectors import session_dose_report, session_for_update, session_points
from mesodesk.sessions.services.aftercare import aftercare_generate
from mesodesk.treatments.choices import PlanStatus
from mesodesk.treatments.models import TreatmentPlan
from mesodesk.treatments.progress import NextWindow
from mesodesk.treatments.selectors import plan_ingredients, plans_for, plans_for_scheduling

TRANSITIONS = {
    "check_in": ([SessionStatus.SCHEDULED], SessionStatus.CHECKED_IN),
    "prepare": ([SessionStatus.SCHEDULED, SessionStatus.CHECKED_IN], SessionStatus.PREPARATION),
    "start": ([SessionStatus.PREPARATION], SessionStatus.IN_PROCEDURE),
    "complete": ([SessionStatus.IN_PROCEDURE], SessionStatus.COMPLETED),
    "sign": ([SessionStatus.COMPLETED], SessionStatus.SIGNED),
}
ENDABLE = [SessionStatus.SCHEDULED, SessionStatus.CHECKED_IN, SessionStatus.PREPARATION]


def _move(
    actor: Actor, session: TreatmentSession, action: str, changes: Mapping[str, Any] | None = None
) -> None:
    sources, target = TRANSITIONS[action]
    if session.status not in sources:
        raise Conflict(
            f"A session that is {session.get_status_display().lower()} cannot "
            f"{action.replace('_', ' ')}."
        )
    before = session.status
    session.status = target
    session.save()
    audit_event_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=session,
        patient_id=session.patient_id,
        changes={"status": [before, target], **(changes or {})},
    )


def session_create(
    *,
    actor: Actor,
    plan_id: ObjectId,
    early_reason: str = "",
    scheduled_at: dt.datetime | None = None,
    check_in: bool = False,
) -> TreatmentSession:
    """The plan's next session. The plan must be active, its consent not withdrawn, the
    course not finished, and no other session of the plan open. Before the course's window
    it needs `early_reason` (kept on the record); after the window it is flagged late.

    With `check_in`, the session is made by checking in its appointment (front desk may do
    that): it starts checked in, and its timing is judged on `scheduled_at`'s clinic date."""
    actor.require(Capability.SESSION_CHECK_IN if check_in else Capability.SESSION_PREPARE)
    early_reason = early_reason.strip()
    if len(early_reason) > 2000:
        raise FieldErrors.single("early_reason", "Keep the reason under 2000 characters.")
    with transaction.atomic():
        plans = plans_for_scheduling(actor) if check_in else plans_for(actor)
        plan = get_in_clinic(plans.select_for_update(of=("self",)), plan_id)
        if plan.status != PlanStatus.ACTIVE:
            raise Conflict("Sessions are only for an active plan.")
        consent = consent_state(plan)
        if consent.withdrawn:
            raise Conflict(consent.reason)
        sessions = list(TreatmentSession.objects.filter(plan=plan))
        if any(s.status in OPEN_SESSION_STATUSES for s in sessions):
            raise Conflict("Another session of this plan is still open.")
        planned = plan.planned_sessions
        signed = [s for s in sessions if s.status == SessionStatus.SIGNED]
        if len(signed) >= planned:
            raise Conflict(f"All {planned} sessions of the course are done.")
        window = plan_course(plan, sessions, actor.clinic.zone).window
        day = scheduled_at.astimezone(actor.clinic.zone).date() if scheduled_at else actor.today()
        timing = _timing(window, day, early_reason)
        session = TreatmentSession.objects.create(
            status=SessionStatus.CHECKED_IN if check_in else SessionStatus.SCHEDULED,
            scheduled_at=scheduled_at,
            checked_in_at=timezone.now() if check_in else None,
            clinic=actor.clinic,
            plan=plan,
            patient=plan.patient,
            number=max((s.number for s in sessions), default=0) + 1,
            anaesthetic_minutes_required=_anaesthetic_minutes(actor, plan),
            timing=timing,
            timing_reason=early_reason if timing == CourseTiming.EARLY else "",
            window_earliest=window.earliest if window else None,
            window_latest=window.latest if window else None,
        )
        audit_event_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=session,
            patient_id=plan.patient_id,
            changes={
                "number": [None, session.number],
                "timing": [None, timing],
                **({"status": [None, SessionStatus.CHECKED_IN]} if check_in else {}),
                **({"timing_reason": [None, early_reason]} if session.timing_reason else {}),
            },
        )
    return session


def _timing(window: NextWindow | None, today: dt.date, early_reason: str) -> CourseTiming:
    """Where today falls against the course's window: before it needs a written reason."""
    if window is None:
        return CourseTiming.ON_TIME
    if today < window.earliest:
        if not early_reason:
            raise FieldErrors.single(
                "early_reason",
                f"The next session is allowed {window}; say why it starts earlier.",
            )
        return CourseTiming.EARLY
    if window.latest is not None and today > window.latest:
        return CourseTiming.LATE
    return CourseTiming.ON_TIME


def _anaesthetic_minutes(actor: Actor, plan: TreatmentPlan) -> int | None:
    protocol = plan.protocol
    if protocol is None or protocol.anaesthesia != "topical":
        return None
    return protocol.anaesthesia_minutes or clinic_knowledge(actor.clinic).setting(
        "topical_anaesthetic_minutes"
    )


def session_check_in(*, actor: Actor, session_id: ObjectId) -> TreatmentSession:
    actor.require(Capability.SESSION_CHECK_IN)
    with transaction.atomic():
        session = session_for_update(actor=actor, session_id=session_id)
        session.checked_in_at = timezone.now()
        _move(actor, session, "check_in")
    return session


def session_prepare(*, actor: Actor, session_id: ObjectId) -> TreatmentSession:
    actor.require(Capability.SESSION_PREPARE)
    with transaction.atomic():
        session = session_for_update(actor=actor, session_id=session_id)
        if session.checked_in_at is None:
            session.checked_in_at = timezone.now()
        _move(actor, session, "prepare")
    return session


def _editable(session: TreatmentSession, *allowed: str) -> None:
    if session.status not in allowed:
        raise Conflict(f"Not possible while the session is {session.get_status_display().lower()}.")


def session_reconfirm(
    *,
    actor: Actor,
    session_id: ObjectId,
    answers: Mapping[str, str],
    sites: Mapping[str, str] | None = None,
    medicines_unchanged: bool = False,
) -> Screening:
    """Today's answers to the time-sensitive questions go into the history, then the plan is
    screened again for today. `answers` maps each condition code to "present" or "absent"."""
    actor.require(Capability.SESSION_PREPARE)
    with transaction.atomic():
        session = session_for_update(actor=actor, session_id=session_id)
        _editable(session, SessionStatus.PREPARATION)
        questions = time_sensitive_questions(actor, session)
        errors = {
            f"answer_{code}": ["Answer this question today."]
            for code, _, _ in questions
            if answers.get(code) not in ("present", "absent")
        }
        if not medicines_unchanged:
            errors["medicines_unchanged"] = [
                "Confirm the medicine list with the patient today "
                "(record any new medicine in the history first)."
            ]
        if errors:
            raise FieldErrors(errors)
        today = actor.today()
        with history_batch():
            for code, _, kind in questions:
                present = answers[code] == "present"
                data: dict[str, Any] = {
                    "code": code,
                    "asserted_on": today,
                    "verification_status": "confirmed" if present else "refuted",
                }
                if kind == "site" and present:
                    data["body_site"] = (sites or {}).get(code, "")
                condition_record(actor=actor, patient_id=session.patient_id, data=data)
            history_list_review(actor=actor, patient_id=session.patient_id, which="medications")
        plan = session.plan
        plan = plans_for(actor).get(pk=plan.pk)
        screening = screening_refresh(
            actor=actor,
            patient_id=session.patient_id,
            indication=plan.indication,
            areas=plan.areas,
            ingredients=plan_ingredients(plan),
            plan_id=plan.pk,
            reason=ScreeningReason.CHECK_IN,
        )
        session.facts_reconfirmed_at = timezone.now()
        session.facts_reconfirmed_by = actor.user
        session.screening = screening
        session.save()
        audit_event_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=session,
            patient_id=session.patient_id,
            changes={
                "facts_reconfirmed": [None, dict(answers)],
                "screening": [None, screening.verdict],
            },
        )
    return screening


def _checklist_update(
    actor: Actor, session_id: ObjectId, fields: dict[str, Any], summary: str
) -> TreatmentSession:
    actor.require(Capability.SESSION_PREPARE)
    with transaction.atomic():
        session = session_for_update(actor=actor, session_id=session_id)
        _editable(session, SessionStatus.PREPARATION)
        for key, value in fields.items():
            setattr(session, key, value)
        session.save()
        audit_event_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=session,
            patient_id=session.patient_id,
            summary=summary,
            changes={k: [None, v] for k, v in fields.items()},
        )
    return session


def session_record_antisepsis(
    *, actor: Actor, session_id: ObjectId, agent: str
) -> TreatmentSession:
    if agent not in clinic_knowledge(actor.clinic).antiseptics:
        raise FieldErrors.single("agent", "Choose the antiseptic used.")
    return _checklist_update(
        actor,
        session_id,
        {"antisepsis_agent": agent, "antisepsis_at": timezone.now()},
        "antisepsis",
    )


def session_record_anaesthetic(
    *, actor: Actor, session_id: ObjectId, product: str, applied_at: dt.datetime | None = None
) -> TreatmentSession:
    now = timezone.now()
    product = product.strip()
    errors: dict[str, list[str]] = {}
    if not product or len(product) > 120:
        errors["product"] = ["Name the topical anaesthetic."]
    when = applied_at or now
    if when > now or when < now - dt.timedelta(minutes=int(ANAESTHETIC_MINUTES_AGO.high)):
        errors["applied_at"] = ["Give the time it was applied today (not in the future)."]
    if errors:
        raise FieldErrors(errors)
    return _checklist_update(
        actor,
        session_id,
        {"anaesthetic_product": product, "anaesthetic_applied_at": when},
        "topical anaesthetic",
    )


def session_confirm_photos(*, actor: Actor, session_id: ObjectId) -> TreatmentSession:
    return _checklist_update(
        actor, session_id, {"photos_confirmed_at": timezone.now()}, "baseline photographs taken"
    )


def session_start(
    *, actor: Actor, session_id: ObjectId, assistant: User | None = None, start_early: bool = False
) -> TreatmentSession:
    """Preparation → in procedure, when every required checklist item is done. Starting
    before the anaesthetic's minimum time needs `start_early` (recorded)."""
    actor.require(Capability.SESSION_PERFORM)
    with transaction.atomic():
        session = session_for_update(actor=actor, session_id=session_id)
        _editable(session, SessionStatus.PREPARATION)
        consent = consent_state(session.plan)
        items = session_checklist(actor, session, consent)
        missing = {
            f"checklist_{i.key}": [i.label + (f": {i.detail}" if i.detail else "")]
            for i in items
            if i.required and not i.done
        }
        now = timezone.now()
        elapsed = anaesthetic_minutes_elapsed(session, now)
        required = session.anaesthetic_minutes_required
        if required:
            if elapsed is None:
                missing["checklist_anaesthetic"] = [
                    "Record when the topical anaesthetic was applied."
                ]
            elif elapsed < required and not start_early:
                missing["checklist_anaesthetic"] = [
                    f"Only {elapsed} of {required} minutes have passed since the topical "
                    "anaesthetic was applied. Wait, or start early on purpose."
                ]
        if (
            assistant is not None
            and not assistants_for(actor.clinic).filter(pk=assistant.pk).exists()
        ):
            missing["assistant"] = ["The assistant must be a nurse or practitioner of this clinic."]
        if missing:
            raise FieldErrors(missing)
        # The session records the consent that allowed it.
        session.consent = consent.latest
        session.started_at = now
        session.practitioner = actor.user
        session.assistant = assistant
        session.anaesthetic_minutes_at_start = elapsed
        _move(
            actor,
            session,
            "start",
            {
                "anaesthetic_minutes": [None, elapsed],
                "started_early": [
                    None,
                    bool(required and elapsed is not None and elapsed < required),
                ],
            },
        )
    return session


def session_complete(
    *, actor: Actor, session_id: ObjectId, notes: str = "", immediate_reactions: str = ""
) -> TreatmentSession:
    """In procedure → completed: the injections are charted; the aftercare sheet is made."""
    actor.require(Capability.SESSION_PERFORM)
    errors: dict[str, list[str]] = {}
    if len(notes) > 4000:
        errors["notes"] = ["Keep the notes under 4000 characters."]
    if len(immediate_reactions) > 2000:
        errors["immediate_reactions"] = ["Keep this under 2000 characters."]
    if errors:
        raise FieldErrors(errors)
    with transaction.atomic():
        session = session_for_update(actor=actor, session_id=session_id)
        _editable(session, SessionStatus.IN_PROCEDURE)
        if not session.points.exists():
            raise FieldErrors.single("points", "Chart at least one injection before completing.")
        session.ended_at = timezone.now()
        session.notes = notes.strip()
        session.immediate_reactions = immediate_reactions.strip()
        _move(
            actor, session, "complete", {"immediate_reactions": [None, session.immediate_reactions]}
        )
        aftercare_generate(actor=actor, session=session)
    return session


def _session_exists(actor: Actor, session_id: ObjectId) -> None:
    """NotFound for a missing or another clinic's session (a 404 before the password's 422)."""
    get_in_clinic(TreatmentSession.objects.filter(clinic=actor.clinic), session_id)


def session_sign(*, actor: Actor, session_id: ObjectId, secret: str | None) -> TreatmentSession:
    """Completed → signed: the signer re-entered their password or signing PIN, every point has
    a lot, the consent still holds, and no hard limit is exceeded unless the clinician gave the
    reason when charting it (then it is signed as it was done, flagged, and an incident is
    opened). A lot's usability was judged when its point was charted: a lot recalled, expired
    or quarantined since stays on the record and is flagged on the session; what was injected
    is still taken from its stock. The aftercare is regenerated from the signed content. The
    record is then frozen."""
    actor.require(Capability.SESSION_PERFORM)
    assert actor.user is not None
    _session_exists(actor, session_id)  # another clinic's session is a 404, not a 422
    reauthenticated_at = signer_reauthenticate(actor=actor, secret=secret)
    with transaction.atomic():
        session = session_for_update(actor=actor, session_id=session_id)
        if session.status == SessionStatus.SIGNED:
            raise Conflict("This session is already signed.")
        _editable(session, SessionStatus.COMPLETED)
        points = session_points(session)
        problems: dict[str, list[str]] = {}
        if any(p.lot_id is None for p in points):
            problems["points"] = ["Choose the lot of every injection before signing."]
        report = session_dose_report(actor=actor, session=session, points=points)
        reasons = list(dict.fromkeys(p.over_limit_reason for p in points if p.over_limit_reason))
        exceeded = [c for c in (*report.checks, *report.notes) if c.hard and c.status == "exceeded"]
        unexplained = [
            c.message
            for c in (*report.checks, *report.notes)
            if c.hard and c.status != "ok" and (c.status != "exceeded" or not reasons)
        ]
        if unexplained:
            problems["dose"] = unexplained
        consent = consent_state(session.plan)
        if not consent.valid:
            problems["consent"] = [consent.reason]
        if problems:
            raise FieldErrors(problems)
        today = actor.today()
        per_lot: dict[object, Decimal] = {}
        flags: dict[str, dict[str, str]] = {}
        for point in points:
            per_lot[point.lot_id] = per_lot.get(point.lot_id, Decimal(0)) + point.volume_ml
            assert point.lot is not None
            if lot_effective_status(point.lot, today) != LotStatus.AVAILABLE:
                flags[str(point.lot_id)] = {
                    "lot": str(point.lot_id),
                    "lot_number": point.lot.lot_number,
                    "product": point.product.name,
                    "state": lot_effective_status(point.lot, today),
                }
        for lot_id, volume in sorted(per_lot.items(), key=lambda kv: str(kv[0])):
            lot_consume(
                actor=actor,
                lot_id=str(lot_id),
                volume_ml=volume,
                reference_type="treatments.TreatmentSession",
                reference_id=session.pk,
                injected=True,
            )
        now = timezone.now()
        session.signed_at = now
        session.signed_by = actor.user
        session.lot_flags = list(flags.values())
        session.reauthenticated_at = reauthenticated_at
        session.totals = [
            {
                "ingredient": t.ingredient,
                "name": t.name,
                "amount": str(t.amount),
                "unit": t.unit,
                "volume_ml": str(t.volume_ml),
            }
            for t in report.totals
        ]
        for check in exceeded:
            incident = SessionIncident.objects.create(
                clinic=actor.clinic,
                session=session,
                patient=session.patient,
                kind=IncidentKind.DOSE_LIMIT_EXCEEDED,
                ingredient=check.ingredient,
                total=f"{check.actual} {check.unit}" if check.actual is not None else "",
                limit=f"{check.limit} {check.unit}" if check.limit is not None else "",
                message=check.message[:2000],
                reason=" / ".join(reasons)[:4000],
                recorded_by=actor.user,
                recorded_at=now,
            )
            audit_event_record(
                actor=actor,
                action=AuditAction.CREATE,
                obj=incident,
                patient_id=session.patient_id,
                changes={
                    "kind": [None, incident.kind],
                    "ingredient": [None, incident.ingredient],
                    "reason": [None, incident.reason],
                },
            )
        aftercare_generate(actor=actor, session=session, points=points, signed=True)
        _move(
            actor,
            session,
            "sign",
            {
                "lots": [None, {str(k): str(v) for k, v in per_lot.items()}],
                **({"lot_flags": [None, session.lot_flags]} if flags else {}),
                **({"dose_limit_exceeded": [None, reasons]} if exceeded else {}),
                "reauthenticated": [None, True],
            },
        )
    return session


def session_end(
    *, actor: Actor, session_id: ObjectId, reason: str, did_not_attend: bool = False
) -> TreatmentSession:
    """Cancels a session that has not started, or records that the patient did not attend."""
    actor.require(Capability.SESSION_CHECK_IN)
    if not reason.strip():
        raise FieldErrors.single("reason", "Say why the session ends here.")
    with transaction.atomic():
        session = session_for_update(actor=actor, session_id=session_id)
        _editable(session, *ENDABLE)
        before = session.status
        session.status = SessionStatus.DID_NOT_ATTEND if did_not_attend else SessionStatus.CANCELLED
        session.end_reason = reason.strip()[:2000]
        session.save()
        audit_event_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=session,
            patient_id=session.patient_id,
            changes={"status": [before, session.status], "reason": [None, session.end_reason]},
        )
    return session


def session_addendum_add(
    *, actor: Actor, session_id: ObjectId, text: str, secret: str | None
) -> SessionAddendum:
    """A signed correction or addition to a signed session; the signer re-enters their
    password or signing PIN."""
    actor.require(Capability.SESSION_PERFORM)
    text = text.strip()
    if not text or len(text) > 4000:
        raise FieldErrors.single("text", "Write the addendum (at most 4000 characters).")
    assert actor.user is not None
    _session_exists(actor, session_id)
    reauthenticated_at = signer_reauthenticate(actor=actor, secret=secret)
    with transaction.atomic():
        session = session_for_update(actor=actor, session_id=session_id)
        if session.status != SessionStatus.SIGNED:
            raise Conflict("Addenda are for signed sessions; edit the session itself.")
        addendum = SessionAddendum.objects.create(
            clinic=actor.clinic,
            session=session,
            text=text,
            signed_by=actor.user,
            reauthenticated_at=reauthenticated_at,
        )
        audit_event_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=addendum,
            patient_id=session.patient_id,
            changes={"text": [None, text]},
        )
    return addendum
