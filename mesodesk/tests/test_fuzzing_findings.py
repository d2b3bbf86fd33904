"""Every 500 the fuzzing of issue 10 (item 9) found is now a clear 4xx answer (or a cleared
field), on SQLite and PostgreSQL alike."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from pydantic import BaseModel

from mesodesk.api import api
from mesodesk.catalog.models import Protocol
from mesodesk.catalog.services.protocols import protocol_clone
from mesodesk.catalog.tests.helpers import lidocaine_2, receive
from mesodesk.consent.services import consent_template_create
from mesodesk.core.paging import MAX_PAGE
from mesodesk.core.testing import Personas, adult_patient_data, api_client, logged_in_client
from mesodesk.knowledge.loader import knowledge
from mesodesk.patients.models import Allergy, Condition, Medication, Patient
from mesodesk.patients.services import (
    allergy_record,
    condition_record,
    medication_record,
    patient_create,
)
from mesodesk.treatments.models import TreatmentPlan
from mesodesk.treatments.services import plan_create

pytestmark = pytest.mark.django_db
API = "/api/v1"


def _send(client: Client, method: str, path: str, body: Any) -> Any:
    call: Callable[..., Any] = getattr(client, method)
    return call(API + path, data=json.dumps(body), content_type="application/json")


def _fields(response: Any) -> set[str]:
    return {e["field"] for e in response.json()["errors"]}


@dataclass(frozen=True)
class Target:
    """A PATCH endpoint, how to make its object, and how to read a field back."""

    make: Callable[[Personas], Any]
    path: str
    model: type[Any]


def _patient(p: Personas) -> Patient:
    return patient_create(
        actor=p.practitioner,
        data=adult_patient_data(address="1 Road", concerns="Dull skin", fitzpatrick="III"),
    )


def _condition(p: Personas) -> Condition:
    return condition_record(
        actor=p.practitioner,
        patient_id=_patient(p).pk,
        data={"code": "other", "other_text": "Gout", "body_site": "", "note": "n"},
    )


def _medication(p: Personas) -> Medication:
    return medication_record(
        actor=p.practitioner,
        patient_id=_patient(p).pk,
        data={
            "name": "Ibuprofen",
            "medication_class": next(iter(knowledge().medication_classes)),
            "dose": "200 mg",
            "note": "n",
        },
    )


def _allergy(p: Personas) -> Allergy:
    return allergy_record(
        actor=p.practitioner,
        patient_id=_patient(p).pk,
        data={"substance": "Latex", "reaction": "Rash", "note": "n"},
    )


def _protocol(p: Personas) -> Any:
    return protocol_clone(actor=p.practitioner, template_code=next(iter(knowledge().protocols)))


def _plan(p: Personas) -> TreatmentPlan:
    return plan_create(
        actor=p.practitioner,
        patient_id=_patient(p).pk,
        data={"indication": "facial_rejuvenation", "areas": ["forehead"], "notes": "n"},
    )


def _consent_template(p: Personas) -> Any:
    return consent_template_create(
        actor=p.practitioner, indication="facial_rejuvenation", data={"title": "T"}
    )


TARGETS = {
    "patients": Target(_patient, "/patients/{}", Patient),
    "conditions": Target(_condition, "/conditions/{}", Condition),
    "medications": Target(_medication, "/medications/{}", Medication),
    "allergies": Target(_allergy, "/allergies/{}", Allergy),
    "protocols": Target(_protocol, "/protocols/{}", Protocol),
    "plans": Target(_plan, "/plans/{}", TreatmentPlan),
    "consent-templates": Target(_consent_template, "/consent-templates/{}", object),
}

# The text and list fields that answered 500 to `null`; null now clears each of them.
CLEARED = [
    ("patients", "email"),
    ("patients", "phone"),
    ("patients", "address"),
    ("patients", "emergency_contact_name"),
    ("patients", "emergency_contact_phone"),
    ("patients", "emergency_contact_relationship"),
    ("patients", "concerns"),
    ("patients", "fitzpatrick"),
    ("patients", "glogau"),
    ("conditions", "body_site"),
    ("conditions", "note"),
    ("medications", "dose"),
    ("medications", "note"),
    ("allergies", "reaction"),
    ("allergies", "note"),
    ("allergies", "allergy_group"),
    ("protocols", "needle"),
    ("protocols", "notes"),
    ("protocols", "technique"),
    ("protocols", "schedule_days"),
    ("protocols", "photo_views_baseline"),
    ("protocols", "photo_views_end"),
    ("protocols", "photo_views_follow_up"),
    ("plans", "notes"),
]

# Fields that must not be empty: null answers 422 naming the field (several answered 500).
REFUSED = [
    ("patients", "given_name"),
    ("patients", "family_name"),
    ("medications", "name"),
    ("protocols", "name"),
    ("protocols", "anaesthesia"),
    ("plans", "indication"),
    ("plans", "areas"),
]


@pytest.mark.parametrize(("endpoint", "field"), CLEARED)
def test_null_for_an_optional_text_field_clears_it(
    personas: Personas, endpoint: str, field: str
) -> None:
    target = TARGETS[endpoint]
    obj = target.make(personas)
    response = _send(
        api_client(personas.practitioner), "patch", target.path.format(obj.pk), {field: None}
    )
    assert response.status_code == 200, response.content
    assert getattr(type(obj).objects.get(pk=obj.pk), field) in ("", [])


@pytest.mark.parametrize(("endpoint", "field"), REFUSED)
def test_null_for_a_field_that_cannot_be_empty_answers_422_naming_it(
    personas: Personas, endpoint: str, field: str
) -> None:
    target = TARGETS[endpoint]
    obj = target.make(personas)
    response = _send(
        api_client(personas.practitioner), "patch", target.path.format(obj.pk), {field: None}
    )
    assert response.status_code == 422, response.content
    assert field in _fields(response)


def test_null_for_a_consent_template_text_is_a_clear_answer(personas: Personas) -> None:
    template = _consent_template(personas)
    client = api_client(personas.practitioner)
    for field in ("title", "introduction", "alternatives", "withdrawal_text", "photo_text"):
        response = _send(client, "patch", f"/consent-templates/{template.pk}", {field: None})
        assert response.status_code in (200, 422), (field, response.content)
        if response.status_code == 422:
            assert field in _fields(response)


def test_a_nul_byte_in_api_text_answers_422_naming_the_field(personas: Personas) -> None:
    client = api_client(personas.practitioner)
    body = {k: str(v) for k, v in adult_patient_data(given_name="An\x00na").items()}
    response = _send(client, "post", "/patients", body)
    assert response.status_code == 422
    assert _fields(response) == {"given_name"}
    patient = _patient(personas)
    nested = _send(
        client,
        "patch",
        f"/patients/{patient.pk}",
        {"target_areas": ["forehead", "ch\x00eek"], "concerns": "x\x00"},
    )
    assert nested.status_code == 422
    assert _fields(nested) == {"target_areas.1", "concerns"}
    assert client.get(API + "/patients", {"q": "Sm\x00"}).status_code == 422
    assert list(Patient.objects.values_list("given_name", "concerns")) == [("Anna", "Dull skin")]


def test_a_nul_byte_in_a_page_or_form_is_refused(personas: Personas) -> None:
    client = logged_in_client(personas.practitioner)
    assert client.get("/patients/", {"q": "Sm\x00"}).status_code == 400
    data = {k: str(v) for k, v in adult_patient_data(given_name="An\x00na").items()}
    assert client.post("/patients/new/", data).status_code == 400
    assert not Patient.objects.exists()


@pytest.mark.parametrize("page", [str(10**30), str(MAX_PAGE + 1), "-5"])
def test_a_huge_page_number_on_the_api_answers_422(personas: Personas, page: str) -> None:
    response = api_client(personas.practitioner).get(API + "/patients", {"page": page})
    assert response.status_code == 422
    assert _fields(response) == {"page"}


@pytest.mark.parametrize("page", [str(10**30), str(MAX_PAGE), "9" * 400, "x"])
def test_a_huge_page_number_on_a_list_page_shows_an_empty_last_page(
    personas: Personas, page: str
) -> None:
    _patient(personas)
    client = logged_in_client(personas.practitioner)
    assert client.get("/patients/", {"page": page}).status_code == 200
    audit = logged_in_client(personas.auditor).get("/audit/", {"page": page})
    assert audit.status_code == 200


def _api_models() -> dict[str, set[type[BaseModel]]]:
    """Every pydantic model of ours that the API's operations use, by name."""
    found: dict[str, set[type[BaseModel]]] = {}
    seen: set[int] = set()

    def walk(annotation: Any) -> None:
        stack = [annotation]
        while stack:
            current = stack.pop()
            if isinstance(current, type) and issubclass(current, BaseModel):
                if id(current) in seen:
                    continue
                seen.add(id(current))
                if current.__module__.startswith("mesodesk"):
                    found.setdefault(current.__name__, set()).add(current)
                stack.extend(f.annotation for f in current.model_fields.values())
            stack.extend(getattr(current, "__args__", ()))

    for _prefix, router in api._routers:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                for model in operation.models:
                    walk(model)
                for response in (operation.response_models or {}).values():
                    walk(response)
    return found


def test_every_schema_of_the_openapi_document_has_a_unique_name() -> None:
    models = _api_models()
    assert len(models) > 40
    duplicates = {name: sorted(m.__module__ for m in ms) for name, ms in models.items()}
    assert {n: ms for n, ms in duplicates.items() if len(ms) > 1} == {}


def test_the_protocol_templates_answer_is_described_by_its_own_schema() -> None:
    document = api.get_openapi_schema()
    answer = document["paths"]["/api/v1/protocol-templates"]["get"]["responses"][200]
    ref = answer["content"]["application/json"]["schema"]["items"]["$ref"]
    schema = document["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert set(schema["properties"]) == {"code", "name", "indication", "sessions", "sources"}


def test_a_stock_adjustment_finer_than_the_stored_precision_is_refused(
    personas: Personas,
) -> None:
    lot = receive(personas.practitioner, lidocaine_2(personas.practitioner))
    client = api_client(personas.practitioner)
    tiny = _send(
        client, "post", f"/lots/{lot.pk}/adjust", {"delta_ml": "0.0000000001", "reason": "count"}
    )
    assert tiny.status_code == 422
    assert _fields(tiny) == {"delta_ml"}
    lot.refresh_from_db()
    assert lot.quantity_remaining_ml == lot.quantity_received_ml
    fine = _send(client, "post", f"/lots/{lot.pk}/adjust", {"delta_ml": "-0.01", "reason": "c"})
    assert fine.status_code == 200


@pytest.mark.parametrize(
    ("path", "field", "body"),
    [
        ("/patients", "date_of_birth", {"date_of_birth": "1899-12-31"}),
        ("/patients", "measured_on", {"measured_on": "0001-01-01", "weight_kg": "60"}),
    ],
)
def test_a_date_that_cannot_be_real_is_refused(
    personas: Personas, path: str, field: str, body: dict[str, Any]
) -> None:
    data = {k: str(v) for k, v in adult_patient_data().items()} | body
    response = _send(api_client(personas.practitioner), "post", path, data)
    assert response.status_code == 422
    assert field in _fields(response)


@pytest.mark.parametrize("when", ["0001-01-01", "1850-06-01", "9999-12-31", "2300-01-01"])
def test_history_and_stock_dates_far_in_the_past_or_future_are_refused(
    personas: Personas, when: str
) -> None:
    patient = _patient(personas)
    client = api_client(personas.practitioner)
    onset = _send(
        client,
        "post",
        f"/patients/{patient.pk}/conditions",
        {"code": "other", "other_text": "Gout", "onset_date": when},
    )
    assert onset.status_code == 422
    assert "onset_date" in _fields(onset)
    product = lidocaine_2(personas.practitioner)
    lot = _send(
        client,
        "post",
        "/lots",
        {"product_id": str(product.pk), "lot_number": "L1", "expiry_date": when, "quantity_ml": 5},
    )
    assert lot.status_code == 422
    assert "expiry_date" in _fields(lot)


def test_a_multipart_body_without_a_boundary_answers_400(personas: Personas) -> None:
    api = api_client(personas.practitioner).post(
        API + "/patients", data=b"x", content_type="multipart/form-data"
    )
    assert api.status_code == 400
    page = logged_in_client(personas.practitioner).post(
        "/patients/new/", data=b"x", content_type="multipart/form-data"
    )
    assert page.status_code == 400


class _Deadlock(Exception):
    sqlstate = "40P01"


def _deadlocking(calls: list[int], fail: int) -> Callable[..., Any]:
    """A service that deadlocks `fail` times (as PostgreSQL reports it), then records."""
    from django.db import OperationalError

    real = medication_record

    def service(**kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) <= fail:
            raise OperationalError("deadlock detected") from _Deadlock()
        return real(**kwargs)

    return service


def _record_medication(personas: Personas) -> Any:
    patient = _patient(personas)
    body = {"name": "Ibuprofen", "medication_class": next(iter(knowledge().medication_classes))}
    return _send(
        api_client(personas.practitioner), "post", f"/patients/{patient.pk}/medications", body
    )


def test_a_write_that_lost_a_deadlock_is_run_again(
    personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []
    monkeypatch.setattr("mesodesk.patients.services.medication_record", _deadlocking(calls, 2))
    response = _record_medication(personas)
    assert response.status_code == 201
    assert len(calls) == 3
    assert Medication.objects.count() == 1


def test_a_write_that_keeps_losing_a_deadlock_answers_409_with_retry_after(
    personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []
    monkeypatch.setattr("mesodesk.patients.services.medication_record", _deadlocking(calls, 9))
    response = _record_medication(personas)
    assert response.status_code == 409
    assert response["Retry-After"] == "1"
    assert "nothing was saved" in response.json()["detail"]
    assert len(calls) == 3
    assert not Medication.objects.exists()
