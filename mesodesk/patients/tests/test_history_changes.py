"""Clinicians read the amendment history of clinical facts on the chart, values included."""

from __future__ import annotations

import pytest
from django.urls import reverse

from mesodesk.audit.models import AuditEvent
from mesodesk.core.testing import Personas, adult_patient_data, logged_in_client
from mesodesk.patients.models import Patient
from mesodesk.patients.services import condition_record, condition_update, patient_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def patient(personas: Personas) -> Patient:
    patient = patient_create(actor=personas.practitioner, data=adult_patient_data())
    condition = condition_record(
        actor=personas.practitioner,
        patient_id=patient.pk,
        data={"code": "urticaria", "note": "Hives after shellfish"},
    )
    condition_update(
        actor=personas.practitioner, condition_id=condition.pk, data={"note": "Hives, resolved"}
    )
    return patient


def _url(patient: Patient) -> str:
    return reverse("patients:history_changes", args=[patient.pk])


def test_a_nurse_reads_who_changed_a_condition_from_what_to_what(
    personas: Personas, patient: Patient
) -> None:
    response = logged_in_client(personas.nurse).get(_url(patient))

    assert response.status_code == 200
    body = response.content.decode()
    assert "Hives after shellfish → Hives, resolved" in body
    assert "Note" in body
    assert AuditEvent.objects.filter(
        action="read", summary="history amendments", patient_id=patient.pk
    ).exists()


@pytest.mark.parametrize("role", ["front_desk", "clinic_admin", "auditor"])
def test_roles_without_clinical_access_cannot_read_the_amendments(
    personas: Personas, patient: Patient, role: str
) -> None:
    assert logged_in_client(getattr(personas, role)).get(_url(patient)).status_code == 403


def test_another_clinic_gets_not_found(personas: Personas, patient: Patient) -> None:
    response = logged_in_client(personas.foreign_practitioner).get(_url(patient))
    assert response.status_code == 404


def test_the_chart_loads_the_amendments_under_the_history(
    personas: Personas, patient: Patient
) -> None:
    chart = logged_in_client(personas.practitioner).get(
        reverse("patients:chart", args=[patient.pk])
    )
    assert _url(patient) in chart.content.decode()
