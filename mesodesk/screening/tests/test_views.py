"""The chart's screening panel: findings with sources for clinicians, status for front desk."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from mesodesk.audit.choices import AuditAction
from mesodesk.audit.models import AuditEvent
from mesodesk.core.testing import Personas, adult_patient_data, logged_in_client
from mesodesk.knowledge.loader import knowledge
from mesodesk.knowledge.reasons import reason_error
from mesodesk.patients.models import Condition, Patient
from mesodesk.patients.services import condition_record, history_list_review, patient_create
from mesodesk.screening.models import Screening, ScreeningOverride

pytestmark = pytest.mark.django_db


@pytest.fixture
def patient(personas: Personas) -> Patient:
    patient = patient_create(actor=personas.practitioner, data=adult_patient_data())
    condition_record(
        actor=personas.practitioner,
        patient_id=patient.pk,
        data={"code": "pregnancy", "verification_status": "confirmed"},
    )
    return patient


def test_the_panel_shows_each_finding_with_its_source(personas: Personas, patient: Patient) -> None:
    response = logged_in_client(personas.practitioner).get(
        reverse("screening:panel", args=[patient.pk])
    )
    html = response.content.decode()
    assert 'data-verdict="contraindicated"' in html
    assert "Pregnancy" in html
    # The Kybella label is about deoxycholic acid: on a general screening it applies only by
    # analogy, with the weakest tag.
    assert "S18 (C, by analogy)" in html
    assert "S68 (C)" in html
    assert "To resolve" in html


def test_front_desk_sees_only_that_screening_is_complete(
    personas: Personas, patient: Patient
) -> None:
    html = (
        logged_in_client(personas.front_desk)
        .get(reverse("screening:panel", args=[patient.pk]))
        .content.decode()
    )
    assert "complete" in html
    assert "Pregnancy" not in html
    assert "contraindicat" not in html
    assert "S18" not in html


def test_front_desk_sees_pending_before_any_screening(personas: Personas) -> None:
    fresh = patient_create(actor=personas.front_desk, data=adult_patient_data(given_name="New"))
    html = (
        logged_in_client(personas.front_desk)
        .get(reverse("screening:panel", args=[fresh.pk]))
        .content.decode()
    )
    assert "pending" in html


def test_recording_history_inline_tells_the_panel_to_refresh(
    personas: Personas, patient: Patient
) -> None:
    response = logged_in_client(personas.practitioner).post(
        reverse("patients:history_add", args=[patient.pk, "condition"]),
        {"code": "urticaria", "verification_status": "confirmed", "clinical_status": "active"},
        headers={"HX-Request": "true"},
    )
    assert "history-changed" in json.loads(response["HX-Trigger"])


def test_a_practitioner_runs_and_overrides_from_the_panel(personas: Personas) -> None:
    patient = patient_create(actor=personas.practitioner, data=adult_patient_data())
    client = logged_in_client(personas.practitioner)
    client.post(
        reverse("screening:run", args=[patient.pk]),
        {"indication": "cellulite", "areas": ["thighs"]},
        headers={"HX-Request": "true"},
    )
    screening = Screening.objects.get(patient=patient)
    assert screening.indication == "cellulite"
    response = client.post(
        reverse("screening:override", args=[screening.pk]),
        {"reason": "Answers taken by phone"},
        headers={"HX-Request": "true"},
    )
    assert b"may not be overridden" in response.content  # unanswered pregnancy status
    assert not ScreeningOverride.objects.exists()


def test_nurses_see_no_override_form(personas: Personas, patient: Patient) -> None:
    html = (
        logged_in_client(personas.nurse)
        .get(reverse("screening:panel", args=[patient.pk]))
        .content.decode()
    )
    assert "Override with a written reason" not in html
    screening = Screening.objects.get(patient=patient)
    assert (
        logged_in_client(personas.nurse)
        .post(reverse("screening:override", args=[screening.pk]), {"reason": "x" * 20})
        .status_code
        == 403
    )


def test_other_clinics_get_404(personas: Personas, patient: Patient) -> None:
    client = logged_in_client(personas.foreign_practitioner)
    screening = Screening.objects.get(patient=patient)
    assert client.get(reverse("screening:panel", args=[patient.pk])).status_code == 404
    assert client.post(reverse("screening:run", args=[patient.pk]), {}).status_code == 404
    assert (
        client.post(
            reverse("screening:override", args=[screening.pk]), {"reason": "x" * 20}
        ).status_code
        == 404
    )


# Session, user, the device that verified the session's second step (django-otp), membership,
# patient, latest screening, the clinic's knowledge revision, and the audited read (savepoint,
# chain, event, chain update, release): none per history item.
PANEL_QUERIES = 12


def test_the_panel_query_count_does_not_grow_with_history(
    personas: Personas, django_assert_num_queries: Any
) -> None:
    patient = patient_create(actor=personas.practitioner, data=adult_patient_data())
    condition_record(actor=personas.practitioner, patient_id=patient.pk, data={"code": "urticaria"})
    client = logged_in_client(personas.practitioner)
    url = reverse("screening:panel", args=[patient.pk])
    client.get(reverse("patients:list"))
    with django_assert_num_queries(PANEL_QUERIES):
        assert client.get(url).status_code == 200

    for code in ("keloid_tendency", "cardiac_disease", "cancer", "pregnancy"):
        condition_record(actor=personas.practitioner, patient_id=patient.pk, data={"code": code})
    assert Condition.objects.filter(patient=patient).count() == 5
    assert Screening.objects.filter(patient=patient).count() == 5

    with django_assert_num_queries(PANEL_QUERIES):
        assert client.get(url).status_code == 200


def _overridable_screening(personas: Personas, patient: Patient) -> Screening:
    """A caution only (keloid tendency), every other question answered."""
    for code in knowledge().conditions:
        if code != "other":
            condition_record(
                actor=personas.practitioner,
                patient_id=patient.pk,
                data={"code": code, "verification_status": "refuted"},
            )
    history_list_review(actor=personas.practitioner, patient_id=patient.pk, which="medications")
    history_list_review(actor=personas.practitioner, patient_id=patient.pk, which="allergies")
    condition_record(
        actor=personas.practitioner,
        patient_id=patient.pk,
        data={"code": "keloid_tendency", "verification_status": "confirmed"},
    )
    screening = Screening.objects.filter(patient=patient).latest("performed_at")
    assert screening.overridable
    return screening


def test_an_override_from_the_panel_reads_the_screening_once(personas: Personas) -> None:
    patient = patient_create(actor=personas.practitioner, data=adult_patient_data())
    screening = _overridable_screening(personas, patient)
    response = logged_in_client(personas.practitioner).post(
        reverse("screening:override", args=[screening.pk]),
        {"reason": "Small test area first; patient informed"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert 'data-verdict="overridden"' in response.content.decode()
    assert ScreeningOverride.objects.filter(screening=screening).exists()
    reads = AuditEvent.objects.filter(object_id=screening.pk, action=AuditAction.READ)
    assert reads.count() == 1  # the panel it answers with


def test_a_short_override_reason_shows_the_services_message(personas: Personas) -> None:
    patient = patient_create(actor=personas.practitioner, data=adult_patient_data())
    screening = _overridable_screening(personas, patient)
    response = logged_in_client(personas.practitioner).post(
        reverse("screening:override", args=[screening.pk]), {"reason": "ok"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("patients:chart", args=[patient.pk])
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    assert shown == [reason_error("ok")]
    assert not ScreeningOverride.objects.exists()
