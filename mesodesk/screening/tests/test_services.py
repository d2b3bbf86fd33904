"""Stored screenings: automatic re-runs, validation, immutability, overrides and audit."""

from __future__ import annotations

import datetime as dt

import pytest

from mesodesk.audit.models import AuditEvent
from mesodesk.core.errors import Conflict, FieldErrors, NotFound, PermissionDenied
from mesodesk.core.testing import Personas, adult_patient_data, today
from mesodesk.knowledge.loader import knowledge
from mesodesk.patients.intake import proposed_facts
from mesodesk.patients.models import Patient
from mesodesk.patients.services import (
    condition_record,
    history_list_review,
    patient_create,
    patient_update,
)
from mesodesk.patients.services import intake as intake_services
from mesodesk.patients.tests.intake_helpers import answers
from mesodesk.screening.engine import ENGINE_VERSION
from mesodesk.screening.models import ImmutableError, Screening, ScreeningOverride
from mesodesk.screening.services import screening_override, screening_run

pytestmark = pytest.mark.django_db


@pytest.fixture
def patient(personas: Personas) -> Patient:
    return patient_create(actor=personas.practitioner, data=adult_patient_data())


def _answer_everything(personas: Personas, patient: Patient) -> None:
    for code in knowledge().conditions:
        if code != "other":
            condition_record(
                actor=personas.practitioner,
                patient_id=patient.pk,
                data={"code": code, "verification_status": "refuted"},
            )
    history_list_review(actor=personas.practitioner, patient_id=patient.pk, which="medications")
    history_list_review(actor=personas.practitioner, patient_id=patient.pk, which="allergies")


def test_a_history_change_re_screens_the_patient_in_the_same_transaction(
    personas: Personas, patient: Patient
) -> None:
    _answer_everything(personas, patient)
    assert Screening.objects.filter(patient=patient).latest("performed_at").verdict == "eligible"

    condition_record(
        actor=personas.nurse,
        patient_id=patient.pk,
        data={"code": "pregnancy", "verification_status": "confirmed"},
    )

    latest = Screening.objects.filter(patient=patient).latest("performed_at")
    assert latest.verdict == "contraindicated"
    assert latest.reason == "history_changed"
    assert latest.performed_by == personas.nurse.user
    assert [f["rule_ids"] for f in latest.findings] == [["CI-PREGNANCY"]]
    assert latest.knowledge_version == knowledge().version
    assert latest.engine_version == ENGINE_VERSION
    assert latest.input_snapshot["facts"]["sex"] == "female"


def test_front_desk_changing_the_birth_date_re_screens_too(
    personas: Personas, patient: Patient
) -> None:
    _answer_everything(personas, patient)
    patient_update(
        actor=personas.front_desk,
        patient_id=patient.pk,
        data={"date_of_birth": today() - dt.timedelta(days=16 * 365)},
    )
    latest = Screening.objects.filter(patient=patient).latest("performed_at")
    assert latest.verdict == "contraindicated"
    assert "CI-AGE-ADULT" in {r for f in latest.findings for r in f["rule_ids"]}


def test_accepting_an_intake_screens_once(personas: Personas, patient: Patient) -> None:
    issued = intake_services.intake_link_create(actor=personas.front_desk, patient_id=patient.pk)
    submission = intake_services.intake_submit(
        token=issued.url.rstrip("/").rsplit("/", 1)[1],
        answers=answers(),
        actor=personas.front_desk,
    )
    keys = [f.key for f in proposed_facts(answers())]
    intake_services.intake_accept(
        actor=personas.practitioner, submission_id=submission.pk, accepted_keys=keys
    )
    assert Screening.objects.filter(patient=patient).count() == 1


def test_an_on_demand_screening_reads_the_planned_mix(personas: Personas, patient: Patient) -> None:
    _answer_everything(personas, patient)
    from mesodesk.patients.services import allergy_record

    allergy_record(
        actor=personas.practitioner,
        patient_id=patient.pk,
        data={"allergy_group": "amide_local_anaesthetic"},
    )
    screening = screening_run(
        actor=personas.practitioner,
        patient_id=patient.pk,
        indication="facial_rejuvenation",
        areas=["full_face"],
        ingredients=["hyaluronic_acid", "lidocaine"],
    )
    assert screening.verdict == "contraindicated"
    assert screening.reason == "on_demand"
    assert screening.ingredients == ["hyaluronic_acid", "lidocaine"]
    assert AuditEvent.objects.filter(object_id=screening.pk, action="create").exists()


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"indication": "world_peace"}, "indication"),
        ({"areas": ["full_face", "elbow"]}, "areas.1"),
        ({"ingredients": ["lidocaine", "unicorn_dust"]}, "ingredients.1"),
    ],
)
def test_unknown_codes_are_field_errors(
    personas: Personas, patient: Patient, kwargs: dict[str, object], field: str
) -> None:
    with pytest.raises(FieldErrors) as caught:
        screening_run(actor=personas.practitioner, patient_id=patient.pk, **kwargs)  # type: ignore[arg-type]
    assert field in caught.value.errors
    assert not Screening.objects.exists()


def test_a_stored_screening_cannot_be_changed(personas: Personas, patient: Patient) -> None:
    screening = screening_run(actor=personas.practitioner, patient_id=patient.pk)
    screening.verdict = "eligible"
    with pytest.raises(ImmutableError):
        screening.save()
    with pytest.raises(ImmutableError):
        screening.delete()


def test_front_desk_cannot_run_a_screening(personas: Personas, patient: Patient) -> None:
    with pytest.raises(PermissionDenied):
        screening_run(actor=personas.front_desk, patient_id=patient.pk)


def test_another_clinic_cannot_screen_the_patient(personas: Personas, patient: Patient) -> None:
    with pytest.raises(NotFound):
        screening_run(actor=personas.foreign_practitioner, patient_id=patient.pk)


def _caution(personas: Personas, patient: Patient) -> Screening:
    _answer_everything(personas, patient)
    condition_record(
        actor=personas.practitioner,
        patient_id=patient.pk,
        data={"code": "keloid_tendency", "verification_status": "confirmed"},
    )
    return Screening.objects.filter(patient=patient).latest("performed_at")


def test_a_practitioner_overrides_a_caution_with_a_reason(
    personas: Personas, patient: Patient
) -> None:
    screening = _caution(personas, patient)
    override = screening_override(
        actor=personas.practitioner,
        screening_id=screening.pk,
        reason="Small test area first; patient informed of scarring risk",
    )
    assert override.rule_ids == ["CI-KELOID"]
    event = AuditEvent.objects.get(object_id=override.pk)
    assert event.changes["reason"][1].startswith("Small test area")


def test_a_nurse_cannot_override(personas: Personas, patient: Patient) -> None:
    screening = _caution(personas, patient)
    with pytest.raises(PermissionDenied):
        screening_override(
            actor=personas.nurse, screening_id=screening.pk, reason="I think it is fine really"
        )
    assert not ScreeningOverride.objects.exists()


def test_an_override_needs_a_written_reason(personas: Personas, patient: Patient) -> None:
    screening = _caution(personas, patient)
    with pytest.raises(FieldErrors):
        screening_override(actor=personas.practitioner, screening_id=screening.pk, reason="ok")


def test_a_non_overridable_finding_cannot_be_overridden(
    personas: Personas, patient: Patient
) -> None:
    _answer_everything(personas, patient)
    condition_record(
        actor=personas.practitioner,
        patient_id=patient.pk,
        data={"code": "pregnancy", "verification_status": "confirmed"},
    )
    screening = Screening.objects.filter(patient=patient).latest("performed_at")
    with pytest.raises(Conflict, match="CI-PREGNANCY"):
        screening_override(
            actor=personas.practitioner,
            screening_id=screening.pk,
            reason="The patient insists on treatment",
        )


def test_an_overridable_contraindication_can_be_overridden_once(
    personas: Personas, patient: Patient
) -> None:
    _answer_everything(personas, patient)
    condition_record(
        actor=personas.practitioner,
        patient_id=patient.pk,
        data={"code": "breastfeeding", "verification_status": "confirmed"},
    )
    screening = Screening.objects.filter(patient=patient).latest("performed_at")
    assert screening.verdict == "contraindicated"
    screening_override(
        actor=personas.practitioner,
        screening_id=screening.pk,
        reason="Weaned next week; topical-only protocol agreed with patient",
    )
    with pytest.raises(Conflict):
        screening_override(
            actor=personas.practitioner,
            screening_id=screening.pk,
            reason="Second opinion, same decision",
        )


def test_an_eligible_screening_needs_no_override(personas: Personas, patient: Patient) -> None:
    _answer_everything(personas, patient)
    screening = Screening.objects.filter(patient=patient).latest("performed_at")
    with pytest.raises(Conflict):
        screening_override(
            actor=personas.practitioner,
            screening_id=screening.pk,
            reason="Nothing to override here",
        )
