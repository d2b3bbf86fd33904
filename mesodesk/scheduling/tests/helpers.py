"""A clinic ready to book: hours every day, a room, one appointment type per kind."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from mesodesk.accounts.actor import Actor
from mesodesk.core.testing import Personas
from mesodesk.scheduling.choices import AppointmentKind
from mesodesk.scheduling.models import AppointmentType, Room, WorkingHours


@dataclass(frozen=True)
class Desk:
    room: Room
    types: dict[str, AppointmentType]


def open_every_day(
    actor: Actor, *, starts: dt.time = dt.time(8), ends: dt.time = dt.time(20)
) -> None:
    """The actor (a practitioner or nurse) works every day of the week, `starts`-`ends`."""
    assert actor.user is not None
    for weekday in range(7):
        WorkingHours.objects.create(
            clinic=actor.clinic, practitioner=actor.user, weekday=weekday, starts=starts, ends=ends
        )


def ready_desk(personas: Personas) -> Desk:
    """Clinic A with the practitioner and nurse working 08:00-20:00 every day."""
    open_every_day(personas.practitioner)
    open_every_day(personas.nurse)
    clinic = personas.clinic_a
    room = Room.objects.create(clinic=clinic, name="Room 1")
    lengths = {
        AppointmentKind.CONSULTATION: 30,
        AppointmentKind.TREATMENT: 45,
        AppointmentKind.FOLLOW_UP: 20,
        AppointmentKind.PHOTO_VISIT: 15,
    }
    types = {
        kind.value: AppointmentType.objects.create(
            clinic=clinic, kind=kind, name=kind.label, duration_minutes=minutes, buffer_minutes=10
        )
        for kind, minutes in lengths.items()
    }
    return Desk(room=room, types=types)


def local(actor: Actor, day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """An aware datetime at the clinic's wall-clock time."""
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=actor.clinic.zone)
