"""The patients API: token auth, validation errors with field paths, roles, clinic isolation."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from mesodesk.audit.models import AuditEvent
from mesodesk.core.testing import Personas, adult_patient_data, api_client, today
from mesodesk.patients.models import Allergy, Condition, Medication, Patient
from mesodesk.patients.services import (
    allergy_record,
    condition_record,
    medication_record,
    patient_create,
)
from mesodesk.patients.services import intake as intake_services
from mesodesk.patients.tests.intake_helpers import answers

pytestmark = pytest.mark.django_db
API = "/api/v1"


def _json(client: Client, method: str, path: str, body: Any = None) -> Any:
    call: Callable[..., Any] = getattr(client, method)
    if body is None:
        return call(API + path)
    return call(API + path, data=json.dumps(body, default=str), content_type="application/json")


def _body(**fields: Any) -> dict[str, Any]:
    return {
        k: (v.isoformat() if isinstance(v, dt.date) else v)
        for k, v in adult_patient_data(**fields).items()
    }


def test_without_a_token_the_api_answers_401(personas: Personas) -> None:
    response = Client().get(API + "/patients")
    assert response.status_code == 401
    assert "token" in response.json()["detail"]
    assert (
        Client(headers={"Authorization": "Bearer mdk_nope"}).get(API + "/patients").status_code
        == 401
    )


def test_a_revoked_token_stops_working(personas: Personas) -> None:
    from mesodesk.accounts.models import ApiToken

    client = api_client(personas.practitioner)
    assert client.get(API + "/patients").status_code == 200
    ApiToken.objects.update(revoked_at=dt.datetime.now(dt.UTC))
    assert client.get(API + "/patients").status_code == 401


def test_a_practitioner_registers_reads_and_updates_a_patient(personas: Personas) -> None:
    client = api_client(personas.practitioner)

    created = _json(client, "post", "/patients", _body(weight_kg="61.5", fitzpatrick="III"))
    assert created.status_code == 201, created.content
    patient_id = created.json()["id"]
    assert created.json()["clinical"]["weight_kg"] == "61.5"

    read = _json(client, "get", f"/patients/{patient_id}")
    assert read.json()["family_name"] == "Smith"
    assert AuditEvent.objects.filter(action="read", patient_id=patient_id).exists()

    patched = _json(client, "patch", f"/patients/{patient_id}", {"phone": "0207 946 0000"})
    assert patched.status_code == 200
    assert patched.json()["phone"] == "0207 946 0000"
    assert patched.json()["email"] == "anna.smith@example.org"


def test_search_lists_matching_patients(personas: Personas) -> None:
    patient_create(actor=personas.practitioner, data=adult_patient_data())
    patient_create(actor=personas.practitioner, data=adult_patient_data(family_name="Jones"))
    response = _json(api_client(personas.front_desk), "get", "/patients?q=jon")
    assert [p["family_name"] for p in response.json()["items"]] == ["Jones"]


@pytest.mark.parametrize(
    ("fields", "bad_field"),
    [
        ({"date_of_birth": (today() + dt.timedelta(days=1)).isoformat()}, "date_of_birth"),
        ({"date_of_birth": "31/31/2000"}, "date_of_birth"),
        ({"weight_kg": "-5"}, "weight_kg"),
        ({"fitzpatrick": "VII"}, "fitzpatrick"),
        ({"email": "not-an-email"}, "email"),
        ({"concerns": "x" * (10 * 1024 * 1024)}, "concerns"),
        ({"target_areas": ["nowhere"]}, "target_areas"),
        ({"given_name": ""}, "given_name"),
    ],
)
def test_invalid_input_answers_422_naming_the_field_and_saves_nothing(
    personas: Personas, fields: dict[str, Any], bad_field: str
) -> None:
    response = _json(api_client(personas.practitioner), "post", "/patients", _body(**fields))
    assert response.status_code == 422
    assert bad_field in [e["field"] for e in response.json()["errors"]]
    assert not Patient.objects.exists()


def test_malformed_json_is_a_clear_4xx(personas: Personas) -> None:
    client = api_client(personas.practitioner)
    response = client.post(API + "/patients", data="{not json", content_type="application/json")
    assert 400 <= response.status_code < 500
    assert not Patient.objects.exists()


def test_front_desk_gets_demographics_only(personas: Personas) -> None:
    patient = patient_create(actor=personas.practitioner, data=adult_patient_data(weight_kg="70"))
    client = api_client(personas.front_desk)
    body = _json(client, "get", f"/patients/{patient.pk}").json()
    assert body["clinical"] is None
    assert _json(client, "get", f"/patients/{patient.pk}/history").status_code == 403
    denied = _json(client, "post", f"/patients/{patient.pk}/conditions", {"code": "urticaria"})
    assert denied.status_code == 403
    assert _json(client, "patch", f"/patients/{patient.pk}", {"weight_kg": "50"}).status_code == 403


def test_an_auditor_cannot_write(personas: Personas) -> None:
    patient = patient_create(actor=personas.practitioner, data=adult_patient_data())
    client = api_client(personas.auditor)
    assert _json(client, "post", "/patients", _body()).status_code == 403
    assert (
        _json(client, "patch", f"/patients/{patient.pk}", {"phone": "01234 5678"}).status_code
        == 403
    )


def test_history_items_are_recorded_and_listed(personas: Personas) -> None:
    patient = patient_create(actor=personas.practitioner, data=adult_patient_data())
    client = api_client(personas.practitioner)

    cond = _json(
        client,
        "post",
        f"/patients/{patient.pk}/conditions",
        {"code": "pregnancy", "verification_status": "refuted"},
    )
    med = _json(
        client,
        "post",
        f"/patients/{patient.pk}/medications",
        {"name": "Warfarin", "medication_class": "anticoagulant"},
    )
    allergy = _json(
        client,
        "post",
        f"/patients/{patient.pk}/allergies",
        {"allergy_group": "bee_wasp_venom", "severity": "severe"},
    )
    assert (cond.status_code, med.status_code, allergy.status_code) == (201, 201, 201)
    assert cond.json()["confirmed_by"] == personas.practitioner.user.email  # type: ignore[union-attr]

    history = _json(client, "get", f"/patients/{patient.pk}/history").json()
    assert [c["code"] for c in history["conditions"]] == ["pregnancy"]
    assert history["medications"][0]["medication_class"] == "anticoagulant"
    assert history["allergies"][0]["allergy_group"] == "bee_wasp_venom"

    changed = _json(
        client,
        "patch",
        f"/medications/{med.json()['id']}",
        {"status": "stopped", "stopped_on": today().isoformat()},
    )
    assert changed.json()["status"] == "stopped"


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("conditions", {"code": "made-up"}, "code"),
        ("conditions", {"code": "other"}, "other_text"),
        ("medications", {"name": "X", "medication_class": "unknown"}, "medication_class"),
        ("allergies", {"reaction": "hives"}, "substance"),
        ("allergies", {"substance": "X", "severity": "apocalyptic"}, "severity"),
    ],
)
def test_bad_history_items_answer_422(
    personas: Personas, path: str, body: dict[str, Any], field: str
) -> None:
    patient = patient_create(actor=personas.practitioner, data=adult_patient_data())
    response = _json(
        api_client(personas.practitioner), "post", f"/patients/{patient.pk}/{path}", body
    )
    assert response.status_code == 422
    assert field in [e["field"] for e in response.json()["errors"]]
    assert not (Condition.objects.exists())
    assert not (Medication.objects.exists())
    assert not (Allergy.objects.exists())


def test_an_intake_link_is_issued_listed_and_revoked(personas: Personas) -> None:
    patient = patient_create(actor=personas.practitioner, data=adult_patient_data())
    client = api_client(personas.front_desk)
    issued = _json(client, "post", f"/patients/{patient.pk}/intake-links", {"ttl_hours": 24})
    assert issued.status_code == 201
    assert "/intake/" in issued.json()["url"]
    listed = _json(client, "get", f"/patients/{patient.pk}/intake-links").json()
    assert [link["id"] for link in listed] == [issued.json()["id"]]
    revoked = _json(client, "post", f"/intake-links/{issued.json()['id']}/revoke", {})
    assert revoked.json()["revoked_at"] is not None
    bad = _json(client, "post", f"/patients/{patient.pk}/intake-links", {"ttl_hours": 0})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "ttl_hours"


def test_a_practitioner_reviews_an_intake_through_the_api(personas: Personas) -> None:
    patient = patient_create(actor=personas.practitioner, data=adult_patient_data())
    issued = intake_services.intake_link_create(actor=personas.front_desk, patient_id=patient.pk)
    token = issued.url.rstrip("/").rsplit("/", 1)[1]
    submission = intake_services.intake_submit(
        token=token, answers=answers(), actor=personas.front_desk
    )
    client = api_client(personas.practitioner)

    pending = _json(client, "get", "/intakes").json()
    assert [i["id"] for i in pending] == [str(submission.pk)]
    detail = _json(client, "get", f"/intakes/{submission.pk}").json()
    keys = [f["key"] for f in detail["facts"]]
    assert "medication:0" in keys

    accepted = _json(
        client, "post", f"/intakes/{submission.pk}/accept", {"facts": ["medication:0"]}
    )
    assert accepted.json()["status"] == "accepted"
    again = _json(client, "post", f"/intakes/{submission.pk}/reject", {"reason": "oops"})
    assert again.status_code == 409


# --- Every endpoint refuses the objects of another clinic with 404 ----------------------


@pytest.fixture
def clinic_a_objects(personas: Personas) -> dict[str, str]:
    patient = patient_create(actor=personas.practitioner, data=adult_patient_data())
    cond = condition_record(
        actor=personas.practitioner, patient_id=patient.pk, data={"code": "urticaria"}
    )
    med = medication_record(
        actor=personas.practitioner,
        patient_id=patient.pk,
        data={"name": "X", "medication_class": "other"},
    )
    allergy = allergy_record(
        actor=personas.practitioner, patient_id=patient.pk, data={"substance": "Y"}
    )
    issued = intake_services.intake_link_create(actor=personas.practitioner, patient_id=patient.pk)
    other = intake_services.intake_link_create(actor=personas.practitioner, patient_id=patient.pk)
    submission = intake_services.intake_submit(
        token=issued.url.rstrip("/").rsplit("/", 1)[1],
        answers=answers(),
        actor=personas.practitioner,
    )
    return {
        "patient": str(patient.pk),
        "condition": str(cond.pk),
        "medication": str(med.pk),
        "allergy": str(allergy.pk),
        "link": str(other.link.pk),
        "intake": str(submission.pk),
    }


FOREIGN_CALLS: list[tuple[str, str, dict[str, Any] | None]] = [
    ("get", "/patients/{patient}", None),
    ("patch", "/patients/{patient}", {"phone": "01234 567"}),
    ("get", "/patients/{patient}/history", None),
    ("post", "/patients/{patient}/conditions", {"code": "urticaria"}),
    ("patch", "/conditions/{condition}", {"note": "x"}),
    ("post", "/patients/{patient}/medications", {"name": "X", "medication_class": "other"}),
    ("patch", "/medications/{medication}", {"note": "x"}),
    ("post", "/patients/{patient}/allergies", {"substance": "X"}),
    ("patch", "/allergies/{allergy}", {"note": "x"}),
    ("post", "/patients/{patient}/intake-links", {}),
    ("get", "/patients/{patient}/intake-links", None),
    ("post", "/intake-links/{link}/revoke", {}),
    ("get", "/intakes/{intake}", None),
    ("post", "/intakes/{intake}/accept", {"facts": []}),
    ("post", "/intakes/{intake}/reject", {"reason": "x"}),
]


@pytest.mark.parametrize(("method", "path", "body"), FOREIGN_CALLS)
def test_every_endpoint_answers_404_to_another_clinic(
    personas: Personas,
    clinic_a_objects: dict[str, str],
    method: str,
    path: str,
    body: dict[str, Any] | None,
) -> None:
    client = api_client(personas.foreign_practitioner)
    response = _json(client, method, path.format(**clinic_a_objects), body)
    assert response.status_code == 404, response.content
    assert not AuditEvent.objects.filter(
        clinic=personas.clinic_b, action__in=["read", "update"]
    ).exists()


def test_lists_show_nothing_of_another_clinic(
    personas: Personas, clinic_a_objects: dict[str, str]
) -> None:
    client = api_client(personas.foreign_practitioner)
    assert _json(client, "get", "/patients").json()["items"] == []
    assert _json(client, "get", "/intakes").json() == []


def test_the_openapi_document_is_served(personas: Personas) -> None:
    schema = Client().get(API + "/openapi.json")
    assert schema.status_code == 200
    assert "/api/v1/patients" in schema.json()["paths"]
    assert Client().get(API + "/docs").status_code == 200
