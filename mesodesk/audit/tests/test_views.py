"""Auditors browse and filter the trail and export it as CSV; other roles cannot."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import cast

import pytest
from django.http import StreamingHttpResponse
from django.urls import reverse

from mesodesk.audit.models import AuditEvent
from mesodesk.core.testing import Personas, adult_patient_data, logged_in_client
from mesodesk.patients.selectors import patient_chart
from mesodesk.patients.services import patient_create

pytestmark = pytest.mark.django_db


def test_an_auditor_filters_the_trail_by_patient(personas: Personas) -> None:
    anna = patient_create(actor=personas.practitioner, data=adult_patient_data())
    ben = patient_create(actor=personas.practitioner, data=adult_patient_data(given_name="Ben"))
    patient_chart(actor=personas.nurse, patient_id=anna.pk)

    response = logged_in_client(personas.auditor).get(
        reverse("audit:list"), {"patient": str(anna.pk)}
    )

    assert response.status_code == 200
    events = response.context["events"]
    assert {e.patient_id for e in events} == {anna.pk}
    assert {e.action for e in events} == {"create", "read"}
    assert ben.pk not in {e.patient_id for e in events}


def test_an_auditor_filters_by_user_and_action(personas: Personas) -> None:
    anna = patient_create(actor=personas.practitioner, data=adult_patient_data())
    patient_chart(actor=personas.nurse, patient_id=anna.pk)
    patient_chart(actor=personas.practitioner, patient_id=anna.pk)
    nurse = personas.nurse.user
    assert nurse is not None

    response = logged_in_client(personas.auditor).get(
        reverse("audit:list"), {"user": str(nurse.pk), "action": "read"}
    )

    assert [e.actor_id for e in response.context["events"]] == [nurse.pk]


def test_the_csv_export_holds_the_filtered_events_and_is_itself_audited(
    personas: Personas,
) -> None:
    anna = patient_create(actor=personas.practitioner, data=adult_patient_data())
    patient_chart(actor=personas.nurse, patient_id=anna.pk)

    response = logged_in_client(personas.auditor).get(
        reverse("audit:export"), {"patient": str(anna.pk)}
    )

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    streamed = cast(StreamingHttpResponse, response).streaming_content
    rows = list(csv.reader(io.StringIO(b"".join(cast(Iterable[bytes], streamed)).decode())))
    assert rows[0][:4] == ["occurred_at", "actor_label", "actor_role", "action"]
    assert sorted(r[3] for r in rows[1:]) == ["create", "read"]
    assert AuditEvent.objects.filter(action="export", actor=personas.auditor.user).exists()


@pytest.mark.parametrize("role", ["practitioner", "nurse", "front_desk"])
def test_clinical_and_front_desk_roles_cannot_see_the_trail(personas: Personas, role: str) -> None:
    client = logged_in_client(getattr(personas, role))
    assert client.get(reverse("audit:list")).status_code == 403
    assert client.get(reverse("audit:export")).status_code == 403


def test_an_auditor_sees_nothing_of_another_clinic(personas: Personas) -> None:
    patient_create(actor=personas.foreign_practitioner, data=adult_patient_data())
    response = logged_in_client(personas.auditor).get(reverse("audit:list"))
    assert all(e.clinic_id == personas.clinic_a.pk for e in response.context["events"])
    assert not [e for e in response.context["events"] if e.action == "create"]


def test_a_bad_filter_shows_a_field_error(personas: Personas) -> None:
    response = logged_in_client(personas.auditor).get(
        reverse("audit:list"),
        {"patient": "not-a-uuid", "since": "2026-02-01", "until": "2026-01-01"},
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "patient" in form.errors
    assert "until" in form.errors
