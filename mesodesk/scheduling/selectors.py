"""Reads of the clinic's schedule, scoped to the actor's clinic."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db.models import Q, QuerySet

from mesodesk.accounts.actor import Actor
from mesodesk.accounts.choices import Capability
from mesodesk.accounts.models import User
from mesodesk.accounts.selectors import assistants_for
from mesodesk.core.errors import ObjectId
from mesodesk.core.lookups import get_in_clinic
from mesodesk.scheduling.choices import LIVE_STATUSES
from mesodesk.scheduling.models import (
    Absence,
    Appointment,
    AppointmentType,
    Room,
    WorkingHours,
    WorkingHoursException,
)


def appointments_for(actor: Actor) -> QuerySet[Appointment]:
    """The clinic's appointments with what the calendar shows (no clinical detail)."""
    actor.require(Capability.SCHEDULE_VIEW)
    return Appointment.objects.filter(clinic=actor.clinic).select_related(
        "patient", "practitioner", "room", "appointment_type"
    )


def appointment_get(*, actor: Actor, appointment_id: ObjectId) -> Appointment:
    return get_in_clinic(
        appointments_for(actor), appointment_id, message="No such appointment in this clinic."
    )


def appointments_between(
    *, actor: Actor, starts: dt.datetime, ends: dt.datetime
) -> QuerySet[Appointment]:
    """Appointments that overlap [starts, ends), in start order."""
    return appointments_for(actor).filter(starts_at__lt=ends, ends_at__gt=starts)


def bookable_staff(actor: Actor) -> QuerySet[User]:
    """Who can hold appointments: the clinic's active practitioners and nurses."""
    return assistants_for(actor.clinic)


def bookable_staff_get(*, actor: Actor, user_id: ObjectId) -> User:
    return get_in_clinic(
        bookable_staff(actor), user_id, message="No such practitioner in this clinic."
    )


def rooms_for(actor: Actor) -> QuerySet[Room]:
    return Room.objects.filter(clinic=actor.clinic)


def room_get(*, actor: Actor, room_id: ObjectId) -> Room:
    return get_in_clinic(rooms_for(actor), room_id, message="No such room in this clinic.")


def appointment_types_for(actor: Actor) -> QuerySet[AppointmentType]:
    return AppointmentType.objects.filter(clinic=actor.clinic)


def appointment_type_get(*, actor: Actor, type_id: ObjectId) -> AppointmentType:
    return get_in_clinic(
        appointment_types_for(actor), type_id, message="No such appointment type in this clinic."
    )


def overlapping_live(
    *,
    clinic_id: ObjectId,
    starts: dt.datetime,
    ends: dt.datetime,
    blocked_until: dt.datetime | None = None,
    practitioner_id: ObjectId | None = None,
    room_id: ObjectId | None = None,
    patient_id: ObjectId | None = None,
    exclude_id: ObjectId | None = None,
) -> QuerySet[Appointment]:
    """Live appointments a booking of [starts, ends) would collide with: the practitioner's
    and the room's held until their buffers end ([starts, blocked_until) against each one's
    [starts_at, blocked_until)), the patient's over the visit itself ([starts_at, ends_at))."""
    held = blocked_until or ends
    resource = Q(starts_at__lt=held, blocked_until__gt=starts) & (
        (Q(practitioner_id=practitioner_id) if practitioner_id is not None else Q(pk__in=[]))
        | (Q(room_id=room_id) if room_id is not None else Q(pk__in=[]))
    )
    person = (
        Q(patient_id=patient_id, starts_at__lt=ends, ends_at__gt=starts)
        if patient_id is not None
        else Q(pk__in=[])
    )
    found = Appointment.objects.filter(
        resource | person, clinic_id=clinic_id, status__in=LIVE_STATUSES
    )
    if exclude_id is not None:
        found = found.exclude(pk=exclude_id)
    return found.order_by("starts_at")


@dataclass(frozen=True)
class DayHours:
    """A practitioner's working intervals on one local date (aware datetimes)."""

    date: dt.date
    intervals: tuple[tuple[dt.datetime, dt.datetime], ...]


def _local(day: dt.date, time: dt.time, zone: ZoneInfo) -> dt.datetime:
    # Wall-clock time in the clinic's zone; fold=0 takes the first of an ambiguous hour.
    return dt.datetime.combine(day, time, tzinfo=zone)


def working_hours_on(
    *, clinic_id: ObjectId, practitioner_id: uuid.UUID, day: dt.date, zone: ZoneInfo
) -> DayHours:
    """The practitioner's hours on `day`: the dated exception if there is one, else the
    weekly template; absences are not subtracted here (see `absences_overlapping`)."""
    exceptions = list(
        WorkingHoursException.objects.filter(
            clinic_id=clinic_id, practitioner_id=practitioner_id, date=day
        )
    )
    if exceptions:
        blocks = [(e.starts, e.ends) for e in exceptions if e.starts and e.ends]
    else:
        blocks = list(
            WorkingHours.objects.filter(
                clinic_id=clinic_id, practitioner_id=practitioner_id, weekday=day.weekday()
            ).values_list("starts", "ends")
        )
    intervals = tuple(
        sorted((_local(day, start, zone), _local(day, end, zone)) for start, end in blocks)
    )
    return DayHours(day, intervals)


def absences_overlapping(
    *, clinic_id: ObjectId, practitioner_id: uuid.UUID, starts: dt.datetime, ends: dt.datetime
) -> QuerySet[Absence]:
    return Absence.objects.filter(
        clinic_id=clinic_id,
        practitioner_id=practitioner_id,
        starts_at__lt=ends,
        ends_at__gt=starts,
    )
