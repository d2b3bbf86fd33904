"""Booking, moving, confirming, cancelling and checking in appointments.

Each write is audited in its own transaction. Overlaps are refused twice: a query here names
the conflicting appointment for a clear 409, and the database's own guarantee (an exclusion
constraint on PostgreSQL, triggers on SQLite) refuses what a race slips past the query."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.utils import timezone

from mesodesk.accounts.actor import Actor
from mesodesk.accounts.choices import Capability
from mesodesk.audit.choices import AuditAction
from mesodesk.audit.services import audit_event_record
from mesodesk.core.errors import Conflict, FieldErrors, NotFound, ObjectId, ServiceError
from mesodesk.core.lookups import get_in_clinic
from mesodesk.knowledge.selectors import clinic_knowledge
from mesodesk.patients.selectors import patients_for
from mesodesk.scheduling.choices import (
    OPEN_STATUSES,
    AppointmentKind,
    AppointmentStatus,
)
from mesodesk.scheduling.models import Appointment, AppointmentType
from mesodesk.scheduling.selectors import (
    absences_overlapping,
    appointment_type_get,
    appointments_for,
    bookable_staff_get,
    overlapping_live,
    room_get,
    working_hours_on,
)
from mesodesk.sessions.services import session_create
from mesodesk.treatments.choices import PlanStatus
from mesodesk.treatments.models import TreatmentPlan
from mesodesk.treatments.selectors import plans_for_scheduling

REASON_MAX = 500


@dataclass(frozen=True)
class Window:
    """The dates a course's session is allowed on (from the protocol's interval)."""

    earliest: dt.date
    latest: dt.date | None = None

    def holds(self, day: dt.date) -> bool:
        return day >= self.earliest and (self.latest is None or day <= self.latest)


def _field(name: str, message: str) -> FieldErrors:
    return FieldErrors.single(name, message)


def _resolve(
    actor: Actor,
    *,
    practitioner_id: ObjectId,
    appointment_type_id: ObjectId,
    room_id: ObjectId | None,
) -> tuple[uuid.UUID, AppointmentType, uuid.UUID | None]:
    """The booking's resources in the actor's clinic; an unknown one is a field error."""
    errors: dict[str, list[str]] = {}
    practitioner = appointment_type = room = None
    try:
        practitioner = bookable_staff_get(actor=actor, user_id=practitioner_id)
    except NotFound:
        errors["practitioner_id"] = ["No such practitioner in this clinic."]
    try:
        appointment_type = appointment_type_get(actor=actor, type_id=appointment_type_id)
        if not appointment_type.is_active:
            errors["appointment_type_id"] = ["This appointment type is no longer offered."]
    except NotFound:
        errors["appointment_type_id"] = ["No such appointment type in this clinic."]
    if room_id is not None:
        try:
            room = room_get(actor=actor, room_id=room_id)
            if not room.is_active:
                errors["room_id"] = ["This room is no longer in use."]
        except NotFound:
            errors["room_id"] = ["No such room in this clinic."]
    if errors:
        raise FieldErrors(errors)
    assert practitioner is not None
    assert appointment_type is not None
    return practitioner.pk, appointment_type, room.pk if room else None


def treatment_minutes(
    actor: Actor, appointment_type: AppointmentType, plan: TreatmentPlan | None
) -> int:
    """The appointment's length: the type's, plus the protocol's topical-anaesthetic wait for a
    treatment session (the clinic's configured default when the protocol names none)."""
    minutes = appointment_type.duration_minutes
    protocol = plan.protocol if plan is not None else None
    if (
        appointment_type.kind == AppointmentKind.TREATMENT
        and protocol is not None
        and protocol.anaesthesia == "topical"
    ):
        minutes += protocol.anaesthesia_minutes or int(
            clinic_knowledge(actor.clinic).setting("topical_anaesthetic_minutes")
        )
    return minutes


def _check_hours(
    actor: Actor, practitioner_id: uuid.UUID, starts: dt.datetime, ends: dt.datetime
) -> None:
    """The whole appointment lies inside one of the practitioner's working intervals of the
    local day, and inside no absence."""
    zone = actor.clinic.zone
    day = starts.astimezone(zone).date()
    hours = working_hours_on(
        clinic_id=actor.clinic.pk, practitioner_id=practitioner_id, day=day, zone=zone
    )
    if not any(start <= starts and ends <= end for start, end in hours.intervals):
        raise _field("starts_at", "That time is outside the practitioner's working hours.")
    if absences_overlapping(
        clinic_id=actor.clinic.pk, practitioner_id=practitioner_id, starts=starts, ends=ends
    ).exists():
        raise _field("starts_at", "The practitioner is away at that time.")


def _conflict(found: Appointment) -> Conflict:
    when = found.starts_at.astimezone(found.clinic.zone)
    return Conflict(
        f"That time overlaps another appointment ({found.get_kind_display().lower()} at "
        f"{when:%d %b %Y %H:%M}).",
        details={
            "conflicting_appointment": {
                "id": str(found.pk),
                "starts_at": found.starts_at.isoformat(),
                "ends_at": found.ends_at.isoformat(),
            }
        },
    )


def _check_free(
    actor: Actor,
    *,
    starts: dt.datetime,
    ends: dt.datetime,
    blocked_until: dt.datetime,
    practitioner_id: uuid.UUID,
    room_id: uuid.UUID | None,
    patient_id: uuid.UUID,
    exclude_id: uuid.UUID | None = None,
) -> None:
    """Nothing of the practitioner, room or patient overlaps; the practitioner's and room's
    buffers (after each appointment) are kept free too."""
    found = (
        overlapping_live(
            clinic_id=actor.clinic.pk,
            starts=starts,
            ends=ends,
            blocked_until=blocked_until,
            practitioner_id=practitioner_id,
            room_id=room_id,
            patient_id=patient_id,
            exclude_id=exclude_id,
        )
        .select_related("clinic")
        .first()
    )
    if found is not None:
        raise _conflict(found)


def _save_guarded(appointment: Appointment, **conflict_scope: object) -> None:
    """Saves; if the database's overlap guarantee refuses the row, answers the clear 409."""
    try:
        with transaction.atomic():
            appointment.save()
    except IntegrityError as exc:
        found = (
            overlapping_live(
                clinic_id=appointment.clinic_id,
                starts=appointment.starts_at,
                ends=appointment.ends_at,
                blocked_until=appointment.blocked_until,
                practitioner_id=appointment.practitioner_id,
                room_id=appointment.room_id,
                patient_id=appointment.patient_id,
                exclude_id=appointment.pk,
            )
            .select_related("clinic")
            .first()
        )
        if found is None:
            raise Conflict("That time overlaps another appointment.") from exc
        raise _conflict(found) from exc


def _validate_time(actor: Actor, starts_at: dt.datetime) -> dt.datetime:
    if timezone.is_naive(starts_at):
        raise _field("starts_at", "Give the time with its time zone.")
    if starts_at < timezone.now():
        raise _field("starts_at", "That time has passed.")
    return starts_at


def _plan_for(actor: Actor, plan_id: ObjectId, patient_id: uuid.UUID) -> TreatmentPlan:
    try:
        plan = get_in_clinic(plans_for_scheduling(actor), plan_id)
    except NotFound:
        raise _field("plan_id", "No such treatment plan in this clinic.") from None
    if plan.patient_id != patient_id:
        raise _field("plan_id", "That plan belongs to another patient.")
    if plan.status not in (PlanStatus.ACTIVE, PlanStatus.DRAFT):
        raise _field("plan_id", "Only an active or draft plan can be booked.")
    return plan


def _window_reason(
    starts_at: dt.datetime, window: Window | None, reason: str, zone: ZoneInfo
) -> str:
    reason = reason.strip()
    if len(reason) > REASON_MAX:
        raise _field("outside_window_reason", f"Keep the reason under {REASON_MAX} characters.")
    if window is None:
        return reason
    day = starts_at.astimezone(zone).date()
    if not window.holds(day) and not reason:
        latest = f" to {window.latest:%d %b %Y}" if window.latest else " onwards"
        raise _field(
            "outside_window_reason",
            f"This session belongs between {window.earliest:%d %b %Y}{latest}; "
            "say why it is booked outside that window.",
        )
    return reason if not window.holds(day) else ""


def appointment_book(
    *,
    actor: Actor,
    patient_id: ObjectId,
    practitioner_id: ObjectId,
    appointment_type_id: ObjectId,
    starts_at: dt.datetime,
    room_id: ObjectId | None = None,
    plan_id: ObjectId | None = None,
    session_number: int | None = None,
    window: Window | None = None,
    outside_window_reason: str = "",
    note: str = "",
) -> Appointment:
    """Books one appointment: inside the practitioner's hours, in the future, overlapping no
    live appointment of the practitioner, the room or the patient."""
    actor.require(Capability.APPOINTMENT_BOOK)
    if len(note) > REASON_MAX:
        raise _field("note", f"Keep the note under {REASON_MAX} characters.")
    starts_at = _validate_time(actor, starts_at)
    with transaction.atomic():
        try:
            patient = get_in_clinic(patients_for(actor), patient_id)
        except NotFound:
            raise _field("patient_id", "No such patient in this clinic.") from None
        practitioner, appointment_type, room = _resolve(
            actor,
            practitioner_id=practitioner_id,
            appointment_type_id=appointment_type_id,
            room_id=room_id,
        )
        plan = _plan_for(actor, plan_id, patient.pk) if plan_id is not None else None
        if plan is None and appointment_type.kind == AppointmentKind.TREATMENT:
            raise _field("plan_id", "A treatment session is booked from a treatment plan.")
        reason = _window_reason(starts_at, window, outside_window_reason, actor.clinic.zone)
        ends_at = starts_at + dt.timedelta(minutes=treatment_minutes(actor, appointment_type, plan))
        blocked_until = ends_at + dt.timedelta(minutes=appointment_type.buffer_minutes)
        _check_hours(actor, practitioner, starts_at, ends_at)
        _check_free(
            actor,
            starts=starts_at,
            ends=ends_at,
            blocked_until=blocked_until,
            practitioner_id=practitioner,
            room_id=room,
            patient_id=patient.pk,
        )
        appointment = Appointment(
            clinic=actor.clinic,
            patient=patient,
            practitioner_id=practitioner,
            room_id=room,
            appointment_type=appointment_type,
            kind=appointment_type.kind,
            starts_at=starts_at,
            ends_at=ends_at,
            buffer_minutes=appointment_type.buffer_minutes,
            blocked_until=blocked_until,
            plan=plan,
            session_number=session_number,
            window_earliest=window.earliest if window else None,
            window_latest=window.latest if window else None,
            outside_window_reason=reason,
            note=note.strip(),
            created_by=actor.user,
        )
        _save_guarded(appointment)
        audit_event_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=appointment,
            patient_id=patient.pk,
            summary=f"{appointment.get_kind_display()} booked",
            changes={
                "starts_at": [None, starts_at.isoformat()],
                "practitioner": [None, str(practitioner)],
                **({"outside_window_reason": [None, reason]} if reason else {}),
            },
        )
    return appointment


def _open_for_update(actor: Actor, appointment_id: ObjectId) -> Appointment:
    actor.require(Capability.APPOINTMENT_BOOK)
    appointment = get_in_clinic(
        appointments_for(actor).select_for_update(of=("self",)),
        appointment_id,
        message="No such appointment in this clinic.",
    )
    return appointment


def appointment_move(
    *,
    actor: Actor,
    appointment_id: ObjectId,
    starts_at: dt.datetime,
    practitioner_id: ObjectId | None = None,
    room_id: ObjectId | None = None,
    outside_window_reason: str | None = None,
) -> Appointment:
    """Moves an open appointment (and optionally to another practitioner or room), with the
    same checks as booking; calendar clients see a new SEQUENCE."""
    starts_at = _validate_time(actor, starts_at)
    with transaction.atomic():
        appointment = _open_for_update(actor, appointment_id)
        if appointment.status not in OPEN_STATUSES:
            raise Conflict(
                f"An appointment that is {appointment.get_status_display().lower()} cannot move."
            )
        practitioner, _type, room = _resolve(
            actor,
            practitioner_id=practitioner_id or appointment.practitioner_id,
            appointment_type_id=appointment.appointment_type_id,
            room_id=room_id if room_id is not None else appointment.room_id,
        )
        window = (
            Window(appointment.window_earliest, appointment.window_latest)
            if appointment.window_earliest
            else None
        )
        reason = _window_reason(
            starts_at,
            window,
            appointment.outside_window_reason
            if outside_window_reason is None
            else outside_window_reason,
            actor.clinic.zone,
        )
        length = appointment.ends_at - appointment.starts_at
        ends_at = starts_at + length
        blocked_until = ends_at + dt.timedelta(minutes=appointment.buffer_minutes)
        _check_hours(actor, practitioner, starts_at, ends_at)
        _check_free(
            actor,
            starts=starts_at,
            ends=ends_at,
            blocked_until=blocked_until,
            practitioner_id=practitioner,
            room_id=room,
            patient_id=appointment.patient_id,
            exclude_id=appointment.pk,
        )
        before = appointment.starts_at
        appointment.starts_at, appointment.ends_at = starts_at, ends_at
        appointment.blocked_until = blocked_until
        appointment.practitioner_id, appointment.room_id = practitioner, room
        appointment.outside_window_reason = reason
        appointment.status = AppointmentStatus.BOOKED
        appointment.confirmed_at = None
        appointment.sequence += 1
        _save_guarded(appointment)
        audit_event_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=appointment,
            patient_id=appointment.patient_id,
            summary="appointment moved",
            changes={"starts_at": [before.isoformat(), starts_at.isoformat()]},
        )
    return appointment


def appointment_confirm(*, actor: Actor, appointment_id: ObjectId) -> Appointment:
    """The patient confirmed they will come."""
    with transaction.atomic():
        appointment = _open_for_update(actor, appointment_id)
        if appointment.status != AppointmentStatus.BOOKED:
            raise Conflict("Only a booked appointment can be confirmed.")
        appointment.status = AppointmentStatus.CONFIRMED
        appointment.confirmed_at = timezone.now()
        appointment.save(update_fields=["status", "confirmed_at", "updated_at"])
        audit_event_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=appointment,
            patient_id=appointment.patient_id,
            changes={"status": [AppointmentStatus.BOOKED, AppointmentStatus.CONFIRMED]},
        )
    return appointment


def appointment_cancel(*, actor: Actor, appointment_id: ObjectId, reason: str) -> Appointment:
    """Cancels an open appointment with a reason; the row stays, its time is freed."""
    reason = reason.strip()
    if not reason:
        raise _field("reason", "Say why the appointment is cancelled.")
    if len(reason) > REASON_MAX:
        raise _field("reason", f"Keep the reason under {REASON_MAX} characters.")
    with transaction.atomic():
        appointment = _open_for_update(actor, appointment_id)
        if appointment.status not in OPEN_STATUSES:
            raise Conflict(
                f"An appointment that is {appointment.get_status_display().lower()} "
                "cannot be cancelled."
            )
        before = appointment.status
        appointment.status = AppointmentStatus.CANCELLED
        appointment.cancelled_at = timezone.now()
        appointment.cancel_reason = reason
        appointment.sequence += 1
        appointment.save()
        audit_event_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=appointment,
            patient_id=appointment.patient_id,
            summary="appointment cancelled",
            changes={"status": [before, appointment.status], "cancel_reason": [None, reason]},
        )
    return appointment


def appointment_mark_missed(*, actor: Actor, appointment_id: ObjectId) -> Appointment:
    """The patient did not come: flagged, the row kept, rebooking offered by the caller."""
    with transaction.atomic():
        appointment = _open_for_update(actor, appointment_id)
        if appointment.status not in OPEN_STATUSES:
            raise Conflict("Only a booked or confirmed appointment can be marked as missed.")
        if appointment.starts_at > timezone.now():
            raise Conflict("An appointment can be marked as missed once its time has come.")
        before = appointment.status
        appointment.status = AppointmentStatus.DID_NOT_ATTEND
        appointment.save(update_fields=["status", "updated_at"])
        audit_event_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=appointment,
            patient_id=appointment.patient_id,
            summary="appointment missed",
            changes={"status": [before, appointment.status]},
        )
    return appointment


def appointment_check_in(*, actor: Actor, appointment_id: ObjectId) -> Appointment:
    """The patient has arrived. A course's treatment session is created here, checked in,
    so its date and time are the appointment's. If the session cannot be made (the plan is
    not active, another session is open …), the arrival still stands and the reason is kept
    on the appointment for the practitioner."""
    actor.require(Capability.SESSION_CHECK_IN)
    with transaction.atomic():
        appointment = _open_for_update(actor, appointment_id)
        if appointment.status not in OPEN_STATUSES:
            raise Conflict(
                f"An appointment that is {appointment.get_status_display().lower()} "
                "cannot be checked in."
            )
        if appointment.starts_at.astimezone(actor.clinic.zone).date() != actor.today():
            raise Conflict("Only today's appointments can be checked in.")
        before = appointment.status
        appointment.status = AppointmentStatus.CHECKED_IN
        appointment.checked_in_at = timezone.now()
        if appointment.kind == AppointmentKind.TREATMENT and appointment.plan_id is not None:
            try:
                with transaction.atomic():
                    appointment.session = session_create(
                        actor=actor,
                        plan_id=appointment.plan_id,
                        early_reason=appointment.outside_window_reason,
                        scheduled_at=appointment.starts_at,
                        check_in=True,
                    )
            except ServiceError as exc:
                appointment.session_problem = str(exc)[:REASON_MAX]
        appointment.save()
        audit_event_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=appointment,
            patient_id=appointment.patient_id,
            summary="patient checked in",
            changes={"status": [before, appointment.status]},
        )
    return appointment
