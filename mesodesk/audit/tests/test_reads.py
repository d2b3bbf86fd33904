"""Every read of clinical data is audited, and refused access is recorded without flooding."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from mesodesk.audit.models import AuditEvent, RefusalTally
from mesodesk.audit.refusals import refusals_flush
from mesodesk.core.testing import Personas, adult_patient_data, api_client, logged_in_client
from mesodesk.patients.models import Patient
from mesodesk.patients.services import condition_record, patient_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def patient(personas: Personas) -> Patient:
    return patient_create(actor=personas.practitioner, data=adult_patient_data())


def _history_edit(personas: Personas, patient: Patient) -> str:
    condition = condition_record(
        actor=personas.practitioner, patient_id=patient.pk, data={"code": "urticaria"}
    )
    return reverse("patients:history_edit", args=[patient.pk, "condition", condition.pk])


READS: dict[str, tuple[bool, Callable[[Personas, Patient], str]]] = {
    # summary: (through the API?, the path)
    "screenings list": (True, lambda _, p: f"/api/v1/patients/{p.pk}/screenings"),
    "treatment plans list": (True, lambda _, p: f"/api/v1/patients/{p.pk}/plans"),
    "intake links list": (True, lambda _, p: f"/api/v1/patients/{p.pk}/intake-links"),
    "patient edit form": (False, lambda _, p: reverse("patients:edit", args=[p.pk])),
    "history edit form": (False, _history_edit),
}


@pytest.mark.parametrize("summary", list(READS))
def test_the_read_is_audited(personas: Personas, patient: Patient, summary: str) -> None:
    through_api, path_of = READS[summary]
    path = path_of(personas, patient)
    client = (
        api_client(personas.practitioner)
        if through_api
        else logged_in_client(personas.practitioner)
    )

    assert client.get(path).status_code == 200

    event = AuditEvent.objects.get(summary=summary)
    assert event.action == "read"
    assert event.patient_id == patient.pk
    assert event.actor == personas.practitioner.user
    assert event.clinic == personas.clinic_a


def test_the_chart_plan_panel_read_is_audited(personas: Personas, patient: Patient) -> None:
    client = logged_in_client(personas.nurse)
    assert client.get(reverse("treatments:panel", args=[patient.pk])).status_code == 200
    event = AuditEvent.objects.get(summary="treatment plans list")
    assert (event.patient_id, event.actor) == (patient.pk, personas.nurse.user)


@pytest.mark.parametrize("summary", list(READS))
def test_another_clinic_is_refused_and_the_refusal_is_recorded(
    personas: Personas, patient: Patient, summary: str
) -> None:
    through_api, path_of = READS[summary]
    path = path_of(personas, patient)
    foreign = personas.foreign_practitioner
    client = api_client(foreign) if through_api else logged_in_client(foreign)

    assert client.get(path).status_code == 404

    assert not AuditEvent.objects.filter(summary=summary).exclude(clinic=personas.clinic_a)
    refusal = AuditEvent.objects.get(action="refused")
    assert refusal.clinic == personas.clinic_b
    assert refusal.actor == foreign.user
    assert refusal.changes == {"path": path, "status": 404, "count": 1}


def test_a_role_refusal_is_recorded(personas: Personas, patient: Patient) -> None:
    client = logged_in_client(personas.front_desk)
    assert client.get(reverse("audit:list")).status_code == 403
    refusal = AuditEvent.objects.get(action="refused")
    assert refusal.changes["status"] == 403
    assert refusal.actor_role == "front_desk"


def _refuse(client: Client, times: int) -> None:
    for _ in range(times):
        assert client.get(reverse("audit:list")).status_code == 403


def test_repeated_refusals_become_one_event_with_a_count(personas: Personas, settings: Any) -> None:
    client = logged_in_client(personas.nurse)
    _refuse(client, 25)

    assert AuditEvent.objects.filter(action="refused").count() == 1
    assert RefusalTally.objects.get().repeats == 24

    RefusalTally.objects.update(window_start=timezone.now() - dt.timedelta(hours=1))
    assert refusals_flush() == 1

    counts = list(
        AuditEvent.objects.filter(action="refused")
        .order_by("seq")
        .values_list("changes__count", flat=True)
    )
    assert counts == [1, 24]
    assert not RefusalTally.objects.exists()


def test_a_refusal_after_the_window_opens_a_new_one_and_closes_the_old(
    personas: Personas,
) -> None:
    client = logged_in_client(personas.nurse)
    _refuse(client, 3)
    RefusalTally.objects.update(window_start=timezone.now() - dt.timedelta(hours=1))

    _refuse(client, 1)

    counts = list(
        AuditEvent.objects.filter(action="refused")
        .order_by("seq")
        .values_list("changes__count", flat=True)
    )
    assert counts == [1, 2, 1]


def test_anonymous_requests_and_patient_links_are_not_refusals_of_a_member() -> None:
    assert Client().get("/patients/").status_code == 302
    assert Client().get("/api/v1/patients").status_code == 401
    assert not AuditEvent.objects.filter(action="refused").exists()
