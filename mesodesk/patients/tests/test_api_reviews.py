"""The API can say "none": no current medicines and no known allergies are recorded as a
list confirmed complete, and screening reads them; unknown fields are refused, not ignored."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client

from mesodesk.core.testing import Personas, adult_patient_data, api_client
from mesodesk.patients.models import Patient
from mesodesk.patients.services import patient_create

pytestmark = pytest.mark.django_db
API = "/api/v1"


def _call(client: Client, method: str, path: str, body: Any) -> Any:
    return getattr(client, method)(
        API + path, data=json.dumps(body), content_type="application/json"
    )


def test_no_known_allergies_and_no_current_medicines_are_recorded_through_the_api(
    personas: Personas,
) -> None:
    patient = patient_create(actor=personas.practitioner, data=adult_patient_data())
    client = api_client(personas.practitioner)
    path = f"/patients/{patient.pk}/history/reviews"
    allergies = _call(client, "post", path, {"which": "allergies"})
    assert allergies.status_code == 200, allergies.content
    today = personas.practitioner.today().isoformat()
    assert allergies.json()["clinical"]["allergies_reviewed_on"] == today
    medicines = _call(client, "post", path, {"which": "medications", "on": today})
    assert medicines.json()["clinical"]["medications_reviewed_on"] == today
    history = client.get(f"{API}/patients/{patient.pk}/history").json()
    assert (history["allergies"], history["allergies_reviewed_on"]) == ([], today)
    assert (history["medications"], history["medications_reviewed_on"]) == ([], today)


def test_a_patch_sets_the_review_dates_and_refuses_a_future_one(personas: Personas) -> None:
    patient = patient_create(actor=personas.practitioner, data=adult_patient_data())
    client = api_client(personas.practitioner)
    today = personas.practitioner.today()
    done = _call(
        client, "patch", f"/patients/{patient.pk}", {"allergies_reviewed_on": today.isoformat()}
    )
    assert done.status_code == 200
    patient.refresh_from_db()
    assert patient.allergies_reviewed_on == today
    future = (today + dt.timedelta(days=2)).isoformat()
    refused = _call(client, "patch", f"/patients/{patient.pk}", {"medications_reviewed_on": future})
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["medications_reviewed_on"]


def test_a_review_names_a_bad_list_and_front_desk_may_not_record_one(
    personas: Personas,
) -> None:
    patient = patient_create(actor=personas.practitioner, data=adult_patient_data())
    path = f"/patients/{patient.pk}/history/reviews"
    bad = _call(api_client(personas.practitioner), "post", path, {"which": "conditions"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "which"
    front = _call(api_client(personas.front_desk), "post", path, {"which": "allergies"})
    assert front.status_code == 403
    assert Patient.objects.get(pk=patient.pk).allergies_reviewed_on is None


def test_an_unknown_field_is_a_422_naming_it_and_nothing_is_saved(personas: Personas) -> None:
    patient = patient_create(actor=personas.practitioner, data=adult_patient_data())
    response = _call(
        api_client(personas.practitioner),
        "patch",
        f"/patients/{patient.pk}",
        {"phone": "+44 7700 900999", "no_known_allergies": True},
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["no_known_allergies"]
    patient.refresh_from_db()
    assert patient.phone == "+44 7700 900123"


def test_another_clinic_cannot_record_a_review(personas: Personas) -> None:
    patient = patient_create(actor=personas.practitioner, data=adult_patient_data())
    response = _call(
        api_client(personas.foreign_practitioner),
        "post",
        f"/patients/{patient.pk}/history/reviews",
        {"which": "allergies"},
    )
    assert response.status_code == 404
    assert Patient.objects.get(pk=patient.pk).allergies_reviewed_on is None
