"""Booking, moving, cancelling and checking in appointments."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
import time_machine

from mesodesk.accounts.actor import Actor
from mesodesk.audit.models import AuditEvent
from mesodesk.consent.tests.helpers import consented_plan
from mesodesk.core.errors import Conflict, FieldErrors, PermissionDenied
from mesodesk.core.testing import Personas, adult_patient_data, today
from mesodesk.patients.models import Patient
from mesodesk.patients.services import patient_create
from mesodesk.scheduling import services
from mesodesk.scheduling.choices import AppointmentStatus
from mesodesk.scheduling.models import Absence, Appointment, WorkingHoursException
from mesodesk.scheduling.tests.helpers import Desk, local, ready_desk
from mesodesk.sessions.choices import SessionStatus

pytestmark = pytest.mark.django_db

TOMORROW = today() + dt.timedelta(days=1)


@pytest.fixture
def desk(personas: Personas) -> Desk:
    return ready_desk(personas)


@pytest.fixture
def anna(personas: Personas) -> Patient:
    return patient_create(actor=personas.front_desk, data=adult_patient_data())


def _user_id(actor: Actor) -> uuid.UUID:
    assert actor.user is not None
    return actor.user.pk


def book(
    personas: Personas, desk: Desk, patient: Patient, at: dt.datetime, **more: Any
) -> Appointment:
    fields: dict[str, Any] = {
        "practitioner_id": _user_id(personas.practitioner),
        "appointment_type_id": desk.types["consultation"].pk,
        "room_id": desk.room.pk,
    }
    fields.update(more)
    return services.appointment_book(
        actor=personas.front_desk, patient_id=patient.pk, starts_at=at, **fields
    )


def test_front_desk_books_a_consultation_inside_working_hours(
    personas: Personas, desk: Desk, anna: Patient
) -> None:
    at = local(personas.front_desk, TOMORROW, 10)
    appointment = book(personas, desk, anna, at)
    assert appointment.status == AppointmentStatus.BOOKED
    assert appointment.ends_at - appointment.starts_at == dt.timedelta(minutes=30)
    assert AuditEvent.objects.filter(object_id=appointment.pk, action="create").count() == 1


def test_an_overlapping_booking_of_the_same_practitioner_is_refused_naming_the_other(
    personas: Personas, desk: Desk, anna: Patient
) -> None:
    first = book(personas, desk, anna, local(personas.front_desk, TOMORROW, 10))
    ben = patient_create(
        actor=personas.front_desk, data=adult_patient_data(given_name="Ben", family_name="Jones")
    )
    with pytest.raises(Conflict) as refused:
        book(personas, desk, ben, local(personas.front_desk, TOMORROW, 10, 15), room_id=None)
    assert refused.value.details["conflicting_appointment"]["id"] == str(first.pk)  # type: ignore[index]


def test_the_same_patient_cannot_be_in_two_places_at_once(
    personas: Personas, desk: Desk, anna: Patient
) -> None:
    book(personas, desk, anna, local(personas.front_desk, TOMORROW, 10))
    with pytest.raises(Conflict):
        book(
            personas,
            desk,
            anna,
            local(personas.front_desk, TOMORROW, 10, 15),
            practitioner_id=_user_id(personas.nurse),
            room_id=None,
        )


def test_the_buffer_after_an_appointment_stays_free_for_the_practitioner(
    personas: Personas, desk: Desk, anna: Patient
) -> None:
    book(personas, desk, anna, local(personas.front_desk, TOMORROW, 10))
    ben = patient_create(
        actor=personas.front_desk, data=adult_patient_data(given_name="Ben", family_name="Jones")
    )
    with pytest.raises(Conflict):
        book(personas, desk, ben, local(personas.front_desk, TOMORROW, 10, 35), room_id=None)
    later = book(personas, desk, ben, local(personas.front_desk, TOMORROW, 10, 40), room_id=None)
    assert later.pk


def test_a_booking_outside_working_hours_names_the_start_time(
    personas: Personas, desk: Desk, anna: Patient
) -> None:
    with pytest.raises(FieldErrors) as refused:
        book(personas, desk, anna, local(personas.front_desk, TOMORROW, 19, 45))
    assert "working hours" in refused.value.errors["starts_at"][0]


def test_a_day_off_and_an_absence_close_the_practitioners_hours(
    personas: Personas, desk: Desk, anna: Patient
) -> None:
    practitioner = personas.practitioner.user
    assert practitioner is not None
    WorkingHoursException.objects.create(
        clinic=personas.clinic_a, practitioner=practitioner, date=TOMORROW
    )
    with pytest.raises(FieldErrors):
        book(personas, desk, anna, local(personas.front_desk, TOMORROW, 10))
    later = TOMORROW + dt.timedelta(days=1)
    Absence.objects.create(
        clinic=personas.clinic_a,
        practitioner=practitioner,
        starts_at=local(personas.front_desk, later, 9),
        ends_at=local(personas.front_desk, later, 12),
    )
    with pytest.raises(FieldErrors) as refused:
        book(personas, desk, anna, local(personas.front_desk, later, 11))
    assert "away" in refused.value.errors["starts_at"][0]


def test_a_time_in_the_past_is_refused(personas: Personas, desk: Desk, anna: Patient) -> None:
    with pytest.raises(FieldErrors) as refused:
        book(personas, desk, anna, local(personas.front_desk, today() - dt.timedelta(days=1), 10))
    assert "passed" in refused.value.errors["starts_at"][0]


def test_unknown_and_foreign_resources_are_named_field_by_field(
    personas: Personas, desk: Desk, anna: Patient
) -> None:
    with pytest.raises(FieldErrors) as refused:
        book(
            personas,
            desk,
            anna,
            local(personas.front_desk, TOMORROW, 10),
            practitioner_id=_user_id(personas.foreign_practitioner),
            appointment_type_id=uuid.uuid4(),
            room_id=uuid.uuid4(),
        )
    assert set(refused.value.errors) == {"practitioner_id", "appointment_type_id", "room_id"}
    assert not Appointment.objects.exists()


def test_a_treatment_session_is_booked_from_a_plan(
    personas: Personas, desk: Desk, anna: Patient
) -> None:
    with pytest.raises(FieldErrors) as refused:
        book(
            personas,
            desk,
            anna,
            local(personas.front_desk, TOMORROW, 10),
            appointment_type_id=desk.types["treatment"].pk,
        )
    assert "plan_id" in refused.value.errors


def test_an_auditor_cannot_book(personas: Personas, desk: Desk, anna: Patient) -> None:
    with pytest.raises(PermissionDenied):
        services.appointment_book(
            actor=personas.auditor,
            patient_id=anna.pk,
            practitioner_id=_user_id(personas.practitioner),
            appointment_type_id=desk.types["consultation"].pk,
            starts_at=local(personas.front_desk, TOMORROW, 10),
        )


def test_cancelling_frees_the_time_and_keeps_the_row(
    personas: Personas, desk: Desk, anna: Patient
) -> None:
    at = local(personas.front_desk, TOMORROW, 10)
    first = book(personas, desk, anna, at)
    with pytest.raises(FieldErrors):
        services.appointment_cancel(actor=personas.front_desk, appointment_id=first.pk, reason=" ")
    services.appointment_cancel(
        actor=personas.front_desk, appointment_id=first.pk, reason="Patient phoned"
    )
    again = book(personas, desk, anna, at)
    assert Appointment.objects.count() == 2
    assert again.status == AppointmentStatus.BOOKED


def test_moving_an_appointment_raises_its_sequence_and_keeps_its_length(
    personas: Personas, desk: Desk, anna: Patient
) -> None:
    first = book(personas, desk, anna, local(personas.front_desk, TOMORROW, 10))
    moved = services.appointment_move(
        actor=personas.front_desk,
        appointment_id=first.pk,
        starts_at=local(personas.front_desk, TOMORROW, 14),
    )
    assert moved.sequence == 1
    assert moved.ends_at - moved.starts_at == dt.timedelta(minutes=30)


def test_moving_onto_another_appointment_is_refused(
    personas: Personas, desk: Desk, anna: Patient
) -> None:
    book(personas, desk, anna, local(personas.front_desk, TOMORROW, 10))
    second = book(personas, desk, anna, local(personas.front_desk, TOMORROW, 12))
    with pytest.raises(Conflict):
        services.appointment_move(
            actor=personas.front_desk,
            appointment_id=second.pk,
            starts_at=local(personas.front_desk, TOMORROW, 10),
        )


def test_checking_in_a_course_session_creates_the_session_at_the_appointments_time(
    personas: Personas, desk: Desk
) -> None:
    plan = consented_plan(personas)
    at = local(personas.front_desk, TOMORROW, 10)
    appointment = services.appointment_book(
        actor=personas.front_desk,
        patient_id=plan.patient_id,
        practitioner_id=_user_id(personas.practitioner),
        appointment_type_id=desk.types["treatment"].pk,
        room_id=desk.room.pk,
        plan_id=plan.pk,
        session_number=1,
        starts_at=at,
    )
    with pytest.raises(Conflict):
        services.appointment_check_in(actor=personas.front_desk, appointment_id=appointment.pk)
    with time_machine.travel(at - dt.timedelta(minutes=20)):
        checked = services.appointment_check_in(
            actor=personas.front_desk, appointment_id=appointment.pk
        )
    assert checked.status == AppointmentStatus.CHECKED_IN
    assert checked.session is not None
    assert checked.session.status == SessionStatus.CHECKED_IN
    assert checked.session.scheduled_at == at
    assert checked.session_problem == ""
