"""Intake links are single-use and expire; answers wait for a practitioner to accept them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from mesodesk.audit.models import AuditEvent
from mesodesk.core.errors import Conflict, FieldErrors, NotFound, PermissionDenied
from mesodesk.core.testing import Personas, adult_patient_data, today
from mesodesk.notifications.models import OutboundEmail
from mesodesk.patients import selectors
from mesodesk.patients.intake import proposed_facts
from mesodesk.patients.models import (
    Allergy,
    Condition,
    IntakeLink,
    IntakeSubmission,
    Medication,
    Patient,
)
from mesodesk.patients.services import condition_record, intake, patient_create
from mesodesk.patients.tests.intake_helpers import answers

pytestmark = pytest.mark.django_db


@pytest.fixture
def patient(personas: Personas) -> Patient:
    return patient_create(actor=personas.front_desk, data=adult_patient_data())


def _token(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[1]


def _submit(personas: Personas, patient: Patient, **overrides: object) -> IntakeSubmission:
    issued = intake.intake_link_create(actor=personas.front_desk, patient_id=patient.pk)
    return intake.intake_submit(
        token=_token(issued.url), answers=answers(**overrides), actor=personas.front_desk
    )


def test_front_desk_sends_a_link_by_email_through_the_outbox(
    personas: Personas, patient: Patient, django_capture_on_commit_callbacks: object
) -> None:
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        issued = intake.intake_link_create(
            actor=personas.front_desk, patient_id=patient.pk, send_to="Anna@Example.org"
        )

    assert issued.url.startswith("http://")
    assert "/intake/" in issued.url
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["anna@example.org"]
    assert issued.url in message.body
    outbound = OutboundEmail.objects.get(related_id=issued.link.pk)
    assert outbound.status == "sent"
    assert outbound.attempts == 1
    assert AuditEvent.objects.filter(action="send", patient_id=patient.pk).exists()


def test_a_malformed_address_is_refused_and_no_link_is_made(
    personas: Personas, patient: Patient
) -> None:
    with pytest.raises(FieldErrors) as caught:
        intake.intake_link_create(actor=personas.front_desk, patient_id=patient.pk, send_to="anna@")
    assert "send_to" in caught.value.errors
    assert not IntakeLink.objects.exists()


def test_the_token_resolves_to_its_link(personas: Personas, patient: Patient) -> None:
    issued = intake.intake_link_create(actor=personas.front_desk, patient_id=patient.pk)
    assert selectors.intake_link_resolve(_token(issued.url)) == issued.link


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),  # signature changed
        lambda t: "0" * 32 + t[32:],  # link id changed
        lambda t: "garbage",
        lambda t: "",
    ],
)
def test_a_tampered_token_is_invalid(personas: Personas, patient: Patient, mangle: object) -> None:
    issued = intake.intake_link_create(actor=personas.front_desk, patient_id=patient.pk)
    with pytest.raises(selectors.IntakeLinkUnusable) as caught:
        selectors.intake_link_resolve(mangle(_token(issued.url)))  # type: ignore[operator]
    assert caught.value.problem == selectors.LinkProblem.INVALID


def test_an_expired_link_cannot_be_used(personas: Personas, patient: Patient) -> None:
    issued = intake.intake_link_create(
        actor=personas.front_desk, patient_id=patient.pk, ttl_hours=1
    )
    IntakeLink.objects.filter(pk=issued.link.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    with pytest.raises(selectors.IntakeLinkUnusable) as caught:
        intake.intake_submit(token=_token(issued.url), answers=answers(), actor=personas.front_desk)
    assert caught.value.problem == selectors.LinkProblem.EXPIRED


def test_a_link_cannot_be_used_twice(personas: Personas, patient: Patient) -> None:
    issued = intake.intake_link_create(actor=personas.front_desk, patient_id=patient.pk)
    intake.intake_submit(token=_token(issued.url), answers=answers(), actor=personas.front_desk)
    with pytest.raises(selectors.IntakeLinkUnusable) as caught:
        intake.intake_submit(token=_token(issued.url), answers=answers(), actor=personas.front_desk)
    assert caught.value.problem == selectors.LinkProblem.USED


def test_a_revoked_link_is_invalid(personas: Personas, patient: Patient) -> None:
    issued = intake.intake_link_create(actor=personas.front_desk, patient_id=patient.pk)
    intake.intake_link_revoke(actor=personas.front_desk, link_id=issued.link.pk)
    with pytest.raises(selectors.IntakeLinkUnusable):
        selectors.intake_link_resolve(_token(issued.url))


def test_accepting_moves_the_answers_into_the_history_with_the_confirmer(
    personas: Personas, patient: Patient
) -> None:
    submission = _submit(
        personas,
        patient,
        conditions={
            "pregnancy": {"answer": "yes", "date": today() + dt.timedelta(days=90)},
            "cancer": {"answer": "yes", "in_remission": True, "date": dt.date(2019, 5, 1)},
            "urticaria": {"answer": "unsure", "detail": "once, years ago"},
        },
    )
    facts = [f.key for f in proposed_facts(answers())]

    intake.intake_accept(
        actor=personas.practitioner, submission_id=submission.pk, accepted_keys=facts
    )

    pregnancy = Condition.objects.get(patient=patient, code="pregnancy")
    assert pregnancy.verification_status == "confirmed"
    assert pregnancy.expected_date is not None
    assert pregnancy.source == "intake"
    assert pregnancy.confirmed_by == personas.practitioner.user
    assert pregnancy.confirmed_at
    cancer = Condition.objects.get(patient=patient, code="cancer")
    assert cancer.clinical_status == "remission"
    assert cancer.abatement_date == dt.date(2019, 5, 1)
    assert (
        Condition.objects.get(patient=patient, code="urticaria").verification_status
        == "unconfirmed"
    )
    assert (
        Condition.objects.get(patient=patient, code="stroke_paralysis").verification_status
        == "refuted"
    )
    assert Medication.objects.get(patient=patient).medication_class == "anticoagulant"
    assert Allergy.objects.get(patient=patient).allergy_group == "amide_local_anaesthetic"
    patient.refresh_from_db()
    assert str(patient.weight_kg) == "64.5"
    assert patient.target_areas == ["full_face"]
    submission.refresh_from_db()
    assert submission.status == "accepted"
    assert submission.reviewed_by == personas.practitioner.user


def test_unticked_facts_stay_out_of_the_history(personas: Personas, patient: Patient) -> None:
    submission = _submit(personas, patient)
    intake.intake_accept(
        actor=personas.practitioner, submission_id=submission.pk, accepted_keys=["allergy:0"]
    )
    assert Allergy.objects.filter(patient=patient).count() == 1
    assert not Medication.objects.filter(patient=patient).exists()
    assert not Condition.objects.filter(patient=patient).exists()


def test_accepting_updates_a_condition_already_on_file(
    personas: Personas, patient: Patient
) -> None:
    condition_record(
        actor=personas.practitioner,
        patient_id=patient.pk,
        data={"code": "breastfeeding", "verification_status": "confirmed"},
    )
    submission = _submit(personas, patient)
    intake.intake_accept(
        actor=personas.practitioner,
        submission_id=submission.pk,
        accepted_keys=["condition:breastfeeding"],
    )
    row = Condition.objects.get(patient=patient, code="breastfeeding")
    assert row.verification_status == "refuted"
    assert row.source == "intake"


def test_a_fact_that_fails_validation_rolls_back_the_whole_acceptance(
    personas: Personas, patient: Patient
) -> None:
    submission = _submit(
        personas,
        patient,
        conditions={"pregnancy": {"answer": "yes", "date": today() - dt.timedelta(days=10)}},
    )
    with pytest.raises(FieldErrors) as caught:
        intake.intake_accept(
            actor=personas.practitioner,
            submission_id=submission.pk,
            accepted_keys=["condition:pregnancy", "medication:0"],
        )
    assert "condition:pregnancy" in caught.value.errors
    assert not Medication.objects.exists()
    assert not Condition.objects.exists()
    submission.refresh_from_db()
    assert submission.status == "pending"


def test_an_intake_is_reviewed_once(personas: Personas, patient: Patient) -> None:
    submission = _submit(personas, patient)
    intake.intake_reject(
        actor=personas.practitioner, submission_id=submission.pk, reason="Answered for someone else"
    )
    with pytest.raises(Conflict):
        intake.intake_accept(
            actor=personas.practitioner, submission_id=submission.pk, accepted_keys=[]
        )


def test_a_rejection_needs_a_reason(personas: Personas, patient: Patient) -> None:
    submission = _submit(personas, patient)
    with pytest.raises(FieldErrors):
        intake.intake_reject(actor=personas.practitioner, submission_id=submission.pk, reason=" ")


@pytest.mark.parametrize("role", ["front_desk", "nurse", "auditor", "clinic_admin"])
def test_only_practitioners_accept_intakes(personas: Personas, patient: Patient, role: str) -> None:
    submission = _submit(personas, patient)
    with pytest.raises(PermissionDenied):
        intake.intake_accept(
            actor=getattr(personas, role), submission_id=submission.pk, accepted_keys=[]
        )


def test_another_clinic_cannot_see_or_accept_the_intake(
    personas: Personas, patient: Patient
) -> None:
    submission = _submit(personas, patient)
    with pytest.raises(NotFound):
        intake.intake_accept(
            actor=personas.foreign_practitioner, submission_id=submission.pk, accepted_keys=[]
        )
    with pytest.raises(NotFound):
        intake.intake_link_create(actor=personas.foreign_practitioner, patient_id=patient.pk)


def test_auditors_cannot_send_links(personas: Personas, patient: Patient) -> None:
    with pytest.raises(PermissionDenied):
        intake.intake_link_create(actor=personas.auditor, patient_id=patient.pk)
