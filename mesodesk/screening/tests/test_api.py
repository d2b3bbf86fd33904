"""The screening API: run, list, read, override; 4xx for bad codes; other clinics get 404."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from mesodesk.audit.choices import AuditAction
from mesodesk.audit.models import AuditEvent
from mesodesk.core.testing import Personas, adult_patient_data, api_client
from mesodesk.knowledge.loader import knowledge
from mesodesk.patients.models import Patient
from mesodesk.patients.services import condition_record, history_list_review, patient_create
from mesodesk.screening.models import Screening

pytestmark = pytest.mark.django_db
API = "/api/v1"


def _post(client: Client, path: str, body: dict[str, Any]) -> Any:
    return client.post(API + path, data=json.dumps(body), content_type="application/json")


@pytest.fixture
def patient(personas: Personas) -> Patient:
    return patient_create(actor=personas.practitioner, data=adult_patient_data())


def test_a_practitioner_screens_a_patient_for_a_planned_mix(
    personas: Personas, patient: Patient
) -> None:
    response = _post(
        api_client(personas.practitioner),
        "/screenings",
        {
            "patient_id": str(patient.pk),
            "indication": "submental_fat",
            "areas": ["submental"],
            "ingredients": ["deoxycholic_acid"],
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert body["verdict"] == "incomplete"  # nothing answered yet
    assert {f["kind"] for f in body["findings"]} == {"missing"}
    assert body["knowledge_version"]
    assert body["engine_version"]
    finding = body["findings"][0]
    assert finding["sources"][0]["quality"] in {"A", "B", "C"}
    assert finding["resolution"]


def test_unknown_codes_answer_422_with_their_positions(
    personas: Personas, patient: Patient
) -> None:
    response = _post(
        api_client(personas.practitioner),
        "/screenings",
        {
            "patient_id": str(patient.pk),
            "indication": "nope",
            "areas": ["scalp", "moon"],
            "ingredients": ["lidocaine", "x"],
        },
    )
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {
        "indication",
        "areas.1",
        "ingredients.1",
    }
    assert not Screening.objects.exists()


def test_a_malformed_body_is_422(personas: Personas, patient: Patient) -> None:
    response = _post(
        api_client(personas.practitioner),
        "/screenings",
        {"patient_id": "not-a-uuid", "areas": "scalp"},
    )
    assert response.status_code == 422
    assert {"patient_id", "areas"} <= {e["field"] for e in response.json()["errors"]}


def test_a_patients_screenings_are_listed_newest_first(
    personas: Personas, patient: Patient
) -> None:
    condition_record(actor=personas.practitioner, patient_id=patient.pk, data={"code": "urticaria"})
    client = api_client(personas.nurse)
    _post(client, "/screenings", {"patient_id": str(patient.pk)})
    listed = client.get(f"{API}/patients/{patient.pk}/screenings").json()
    assert [s["reason"] for s in listed] == ["on_demand", "history_changed"]
    one = client.get(f"{API}/screenings/{listed[0]['id']}").json()
    assert one["id"] == listed[0]["id"]


def test_front_desk_sees_no_findings(personas: Personas, patient: Patient) -> None:
    client = api_client(personas.front_desk)
    assert _post(client, "/screenings", {"patient_id": str(patient.pk)}).status_code == 403
    assert client.get(f"{API}/patients/{patient.pk}/screenings").status_code == 403


def test_an_override_through_the_api(personas: Personas, patient: Patient) -> None:
    condition_record(actor=personas.practitioner, patient_id=patient.pk, data={"code": "urticaria"})
    screening = Screening.objects.filter(patient=patient).latest("performed_at")
    nurse = _post(
        api_client(personas.nurse),
        f"/screenings/{screening.pk}/override",
        {"reason": "Looks fine to me"},
    )
    assert nurse.status_code == 403
    short = _post(
        api_client(personas.practitioner), f"/screenings/{screening.pk}/override", {"reason": "ok"}
    )
    assert short.status_code == 422
    assert short.json()["errors"][0]["field"] == "reason"
    # Unanswered questions here include non-overridable ones (pregnancy): the API says so.
    blocked = _post(
        api_client(personas.practitioner),
        f"/screenings/{screening.pk}/override",
        {"reason": "Discussed and agreed with the patient"},
    )
    assert blocked.status_code == 409
    assert "CI-PREGNANCY" in blocked.json()["detail"]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "/screenings", "patient"),
        ("get", "/patients/{patient}/screenings", None),
        ("get", "/screenings/{screening}", None),
        ("post", "/screenings/{screening}/override", {"reason": "A long enough reason"}),
    ],
)
def test_every_screening_endpoint_answers_404_to_another_clinic(
    personas: Personas, patient: Patient, method: str, path: str, body: Any
) -> None:
    condition_record(actor=personas.practitioner, patient_id=patient.pk, data={"code": "urticaria"})
    screening = Screening.objects.filter(patient=patient).latest("performed_at")
    client = api_client(personas.foreign_practitioner)
    url = API + path.format(patient=patient.pk, screening=screening.pk)
    if method == "get":
        response = client.get(url)
    else:
        payload = {"patient_id": str(patient.pk)} if body == "patient" else body
        response = client.post(url, data=json.dumps(payload), content_type="application/json")
    assert response.status_code == 404


def test_an_override_answers_with_the_overridden_screening_without_a_second_read(
    personas: Personas, patient: Patient
) -> None:
    for code in knowledge().conditions:
        if code != "other":
            condition_record(
                actor=personas.practitioner,
                patient_id=patient.pk,
                data={"code": code, "verification_status": "refuted"},
            )
    for which in ("medications", "allergies"):
        history_list_review(actor=personas.practitioner, patient_id=patient.pk, which=which)
    condition_record(
        actor=personas.practitioner,
        patient_id=patient.pk,
        data={"code": "keloid_tendency", "verification_status": "confirmed"},
    )
    screening = Screening.objects.filter(patient=patient).latest("performed_at")
    response = _post(
        api_client(personas.practitioner),
        f"/screenings/{screening.pk}/override",
        {"reason": "Small test area first; patient informed"},
    )
    assert response.status_code == 201
    body = response.json()
    assert body["id"] == str(screening.pk)
    assert body["verdict"] == "caution"
    assert body["override"]["rule_ids"] == ["CI-KELOID"]
    practitioner = personas.practitioner.user
    assert practitioner is not None
    assert body["override"]["overridden_by"] == practitioner.email
    assert not AuditEvent.objects.filter(object_id=screening.pk, action=AuditAction.READ).exists()
