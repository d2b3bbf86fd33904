"""Registering a patient who looks already registered (same name and date of birth, same
e-mail or same mobile) warns with links to the existing chart; going on needs a reason, which
is stored and audited. Page and API."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from mesodesk.audit.models import AuditEvent
from mesodesk.core.testing import Personas, adult_patient_data, api_client, logged_in_client
from mesodesk.patients.models import Patient
from mesodesk.patients.services import PossibleDuplicates, patient_create

pytestmark = pytest.mark.django_db


def _form(**fields: str) -> dict[str, str]:
    data = {
        "d-given_name": "Anna",
        "d-family_name": "Smith",
        "d-date_of_birth": "1985-03-02",
        "d-sex": "female",
    }
    data.update(fields)
    return data


@pytest.mark.parametrize(
    ("changes", "matched"),
    [
        ({"given_name": "ANNA ", "email": "", "phone": ""}, "the same name and date of birth"),
        ({"given_name": "Anne", "email": "Anna.Smith@example.org", "phone": ""}, "the same e-mail"),
        ({"given_name": "Anne", "email": "", "phone": "+44 (7700) 900-123"}, "the same mobile"),
    ],
)
def test_it_refuses_a_likely_duplicate_without_a_reason(
    personas: Personas, changes: dict[str, str], matched: str
) -> None:
    first = patient_create(actor=personas.front_desk, data=adult_patient_data())
    with pytest.raises(PossibleDuplicates) as caught:
        patient_create(actor=personas.front_desk, data=adult_patient_data(**changes))
    assert [d.patient.pk for d in caught.value.duplicates] == [first.pk]
    assert any(matched in words for words in caught.value.duplicates[0].matched_on)
    assert Patient.objects.count() == 1


def test_another_clinics_patient_is_never_a_duplicate(personas: Personas) -> None:
    patient_create(actor=personas.foreign_practitioner, data=adult_patient_data())
    patient_create(actor=personas.front_desk, data=adult_patient_data())
    assert Patient.objects.count() == 2


def test_the_page_warns_links_to_the_existing_chart_and_registers_with_a_reason(
    personas: Personas,
) -> None:
    first = patient_create(actor=personas.front_desk, data=adult_patient_data())
    client = logged_in_client(personas.front_desk)
    warned = client.post(reverse("patients:create"), _form())
    html = warned.content.decode()
    assert warned.status_code == 409
    assert "may already be registered" in html
    assert reverse("patients:chart", args=[first.pk]) in html
    assert Patient.objects.count() == 1
    done = client.post(
        reverse("patients:create"), _form(duplicate_reason="Her daughter, same name.")
    )
    assert done.status_code == 302
    second = Patient.objects.exclude(pk=first.pk).get()
    assert second.duplicate_reason == "Her daughter, same name."
    event = AuditEvent.objects.get(object_id=second.pk, action="create")
    assert event.changes["duplicate_reason"] == [None, "Her daughter, same name."]
    assert event.changes["possible_duplicates"] == [None, [str(first.pk)]]


def test_the_api_answers_409_naming_the_duplicates_unless_a_reason_is_given(
    personas: Personas,
) -> None:
    first = patient_create(actor=personas.practitioner, data=adult_patient_data())
    client = api_client(personas.practitioner)
    body = {"given_name": "Anna", "family_name": "Smith", "date_of_birth": "1985-03-02"}
    refused = client.post("/api/v1/patients", json.dumps(body), content_type="application/json")
    assert refused.status_code == 409
    named = refused.json()["duplicates"]
    assert [(d["id"], d["matched_on"]) for d in named] == [
        (str(first.pk), ["the same name and date of birth"])
    ]
    body["duplicate_reason"] = "Twin sister."
    done = client.post("/api/v1/patients", json.dumps(body), content_type="application/json")
    assert done.status_code == 201
    assert Patient.objects.get(pk=done.json()["id"]).duplicate_reason == "Twin sister."


def test_a_foreign_clinic_registering_the_same_person_learns_nothing_of_this_clinic(
    personas: Personas,
) -> None:
    patient_create(actor=personas.practitioner, data=adult_patient_data())
    client = api_client(personas.foreign_practitioner)
    body = {"given_name": "Anna", "family_name": "Smith", "date_of_birth": "1985-03-02"}
    created = client.post("/api/v1/patients", json.dumps(body), content_type="application/json")
    assert created.status_code == 201
