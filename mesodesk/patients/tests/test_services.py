"""Patient services: registration, updates and history, with validation, permissions, audit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from mesodesk.audit.models import AuditEvent
from mesodesk.core.errors import FieldErrors, NotFound, PermissionDenied
from mesodesk.core.testing import Personas, adult_patient_data, today
from mesodesk.knowledge.services import knowledge_change_record
from mesodesk.patients import services
from mesodesk.patients.models import Allergy, Condition, Medication, Patient

pytestmark = pytest.mark.django_db


def test_it_registers_a_patient_and_audits_the_creation(personas: Personas) -> None:
    patient = services.patient_create(actor=personas.front_desk, data=adult_patient_data())

    assert patient.clinic == personas.clinic_a
    assert patient.family_key == "smith"
    assert patient.phone_key == "447700900123"
    event = AuditEvent.objects.get(object_id=patient.pk, action="create")
    assert event.actor == personas.front_desk.user
    assert event.changes["family_name"] == [None, "Smith"]
    assert event.patient_id == patient.pk


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("date_of_birth", today() + dt.timedelta(days=30)),
        ("date_of_birth", dt.date(1850, 1, 1)),
        ("email", "not-an-email"),
        ("phone", "call me maybe"),
        ("sex", "robot"),
        ("given_name", ""),
        ("address", "x" * (10 * 1024 * 1024)),
    ],
)
def test_it_rejects_bad_demographics_and_saves_nothing(
    personas: Personas, field: str, value: object
) -> None:
    with pytest.raises(FieldErrors) as caught:
        services.patient_create(
            actor=personas.front_desk, data=adult_patient_data(**{field: value})
        )

    assert field in caught.value.errors
    assert not Patient.objects.exists()
    assert not AuditEvent.objects.filter(action="create").exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("weight_kg", Decimal("-70")),
        ("weight_kg", Decimal("0")),
        ("height_cm", Decimal("900")),
        ("fitzpatrick", "VII"),
        ("glogau", "V"),
        ("target_areas", ["elbow-pit"]),
        ("concerns", "y" * 10_000_000),
        ("measured_on", today() + dt.timedelta(days=3)),
    ],
)
def test_it_rejects_a_bad_clinical_profile(personas: Personas, field: str, value: object) -> None:
    with pytest.raises(FieldErrors) as caught:
        services.patient_create(
            actor=personas.practitioner, data=adult_patient_data(**{field: value})
        )

    assert field in caught.value.errors
    assert not Patient.objects.exists()


def test_it_rejects_unknown_fields(personas: Personas) -> None:
    with pytest.raises(FieldErrors) as caught:
        services.patient_create(actor=personas.practitioner, data=adult_patient_data(clinic="x"))
    assert "clinic" in caught.value.errors


def test_front_desk_cannot_write_the_clinical_profile(personas: Personas) -> None:
    with pytest.raises(PermissionDenied):
        services.patient_create(
            actor=personas.front_desk, data=adult_patient_data(weight_kg=Decimal("60"))
        )
    assert not Patient.objects.exists()


def test_an_auditor_cannot_register_or_edit(personas: Personas) -> None:
    patient = services.patient_create(actor=personas.practitioner, data=adult_patient_data())
    with pytest.raises(PermissionDenied):
        services.patient_create(actor=personas.auditor, data=adult_patient_data())
    with pytest.raises(PermissionDenied):
        services.patient_update(
            actor=personas.auditor, patient_id=patient.pk, data={"phone": "0123456"}
        )


def test_weight_without_a_date_is_dated_today(personas: Personas) -> None:
    patient = services.patient_create(
        actor=personas.practitioner, data=adult_patient_data(weight_kg=Decimal("61.5"))
    )
    assert patient.measured_on == timezone.now().astimezone(personas.clinic_a.zone).date()


def test_an_update_records_before_and_after_of_changed_fields_only(personas: Personas) -> None:
    patient = services.patient_create(actor=personas.practitioner, data=adult_patient_data())

    services.patient_update(
        actor=personas.practitioner,
        patient_id=patient.pk,
        data={"phone": "+44 7700 900999", "given_name": "Anna"},
    )

    event = AuditEvent.objects.get(object_id=patient.pk, action="update")
    assert event.changes == {"phone": ["+44 7700 900123", "+44 7700 900999"]}


def test_an_update_that_changes_nothing_writes_nothing(personas: Personas) -> None:
    patient = services.patient_create(actor=personas.practitioner, data=adult_patient_data())
    services.patient_update(
        actor=personas.practitioner, patient_id=patient.pk, data={"given_name": "Anna"}
    )
    assert not AuditEvent.objects.filter(action="update").exists()


def test_a_failed_update_leaves_the_patient_unchanged(personas: Personas) -> None:
    patient = services.patient_create(actor=personas.practitioner, data=adult_patient_data())
    with pytest.raises(FieldErrors):
        services.patient_update(
            actor=personas.practitioner,
            patient_id=patient.pk,
            data={"phone": "+44 1", "email": "broken@"},
        )
    patient.refresh_from_db()
    assert patient.email == "anna.smith@example.org"


def test_another_clinic_cannot_update_the_patient(personas: Personas) -> None:
    patient = services.patient_create(actor=personas.practitioner, data=adult_patient_data())
    with pytest.raises(NotFound):
        services.patient_update(
            actor=personas.foreign_practitioner, patient_id=patient.pk, data={"phone": "0123456"}
        )


def test_recording_a_listed_condition_twice_updates_the_one_row(personas: Personas) -> None:
    patient = services.patient_create(actor=personas.practitioner, data=adult_patient_data())
    services.condition_record(
        actor=personas.practitioner,
        patient_id=patient.pk,
        data={"code": "pregnancy", "verification_status": "refuted"},
    )
    services.condition_record(
        actor=personas.practitioner,
        patient_id=patient.pk,
        data={
            "code": "pregnancy",
            "verification_status": "confirmed",
            "expected_date": today() + dt.timedelta(days=120),
        },
    )
    rows = Condition.objects.filter(patient=patient, code="pregnancy")
    assert rows.count() == 1
    assert rows.get().verification_status == "confirmed"
    assert rows.get().confirmed_by == personas.practitioner.user


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"code": "no-such-thing"}, "code"),
        ({"code": "other"}, "other_text"),
        ({"code": "active_skin_infection"}, "body_site"),
        ({"code": "cancer", "clinical_status": "remission"}, "abatement_date"),
        (
            {"code": "pregnancy", "expected_date": today() - dt.timedelta(days=5)},
            "expected_date",
        ),
        (
            {"code": "stroke_paralysis", "onset_date": today() + dt.timedelta(days=5)},
            "onset_date",
        ),
        ({"code": "urticaria", "note": "n" * 5000}, "note"),
    ],
)
def test_it_rejects_an_incomplete_condition(
    personas: Personas, data: dict[str, object], field: str
) -> None:
    patient = services.patient_create(actor=personas.practitioner, data=adult_patient_data())
    with pytest.raises(FieldErrors) as caught:
        services.condition_record(actor=personas.practitioner, patient_id=patient.pk, data=data)
    assert field in caught.value.errors
    assert not Condition.objects.exists()


def test_medications_and_allergies_are_recorded_with_their_classes(personas: Personas) -> None:
    patient = services.patient_create(actor=personas.practitioner, data=adult_patient_data())
    med = services.medication_record(
        actor=personas.nurse,
        patient_id=patient.pk,
        data={"name": "Apixaban", "medication_class": "anticoagulant"},
    )
    allergy = services.allergy_record(
        actor=personas.practitioner,
        patient_id=patient.pk,
        data={
            "substance": "Lidocaine",
            "allergy_group": "amide_local_anaesthetic",
            "severity": "severe",
        },
    )
    assert med.medication_class == "anticoagulant"
    assert med.recorded_by == personas.nurse.user
    assert allergy.allergy_group == "amide_local_anaesthetic"
    created = AuditEvent.objects.filter(patient_id=patient.pk, action="create")
    assert created.filter(object_type__startswith="patients.").count() == 3


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "X", "medication_class": "magic"}, "medication_class"),
        ({"name": "", "medication_class": "other"}, "name"),
        (
            {
                "name": "X",
                "medication_class": "other",
                "started_on": dt.date(2024, 5, 1),
                "stopped_on": dt.date(2024, 4, 1),
            },
            "stopped_on",
        ),
    ],
)
def test_it_rejects_a_bad_medication(
    personas: Personas, data: dict[str, object], field: str
) -> None:
    patient = services.patient_create(actor=personas.practitioner, data=adult_patient_data())
    with pytest.raises(FieldErrors) as caught:
        services.medication_record(actor=personas.practitioner, patient_id=patient.pk, data=data)
    assert field in caught.value.errors
    assert not Medication.objects.exists()


def test_an_allergy_must_name_something(personas: Personas) -> None:
    patient = services.patient_create(actor=personas.practitioner, data=adult_patient_data())
    with pytest.raises(FieldErrors) as caught:
        services.allergy_record(
            actor=personas.practitioner, patient_id=patient.pk, data={"reaction": "hives"}
        )
    assert "substance" in caught.value.errors
    assert not Allergy.objects.exists()


def test_front_desk_and_auditors_cannot_record_history(personas: Personas) -> None:
    patient = services.patient_create(actor=personas.practitioner, data=adult_patient_data())
    for actor in (personas.front_desk, personas.auditor, personas.clinic_admin):
        with pytest.raises(PermissionDenied):
            services.condition_record(
                actor=actor, patient_id=patient.pk, data={"code": "urticaria"}
            )
    assert not Condition.objects.exists()


def test_history_updates_re_date_the_fact_and_record_the_confirmer(personas: Personas) -> None:
    patient = services.patient_create(actor=personas.practitioner, data=adult_patient_data())
    condition = services.condition_record(
        actor=personas.nurse,
        patient_id=patient.pk,
        data={
            "code": "breastfeeding",
            "verification_status": "refuted",
            "asserted_on": today() - dt.timedelta(days=40),
        },
    )
    updated = services.condition_update(
        actor=personas.practitioner,
        condition_id=condition.pk,
        data={"verification_status": "refuted"},
    )
    assert updated.asserted_on == timezone.now().astimezone(personas.clinic_a.zone).date()
    assert updated.confirmed_by == personas.practitioner.user


def test_a_condition_of_another_clinic_is_not_found(personas: Personas) -> None:
    patient = services.patient_create(actor=personas.practitioner, data=adult_patient_data())
    condition = services.condition_record(
        actor=personas.practitioner, patient_id=patient.pk, data={"code": "urticaria"}
    )
    with pytest.raises(NotFound):
        services.condition_update(
            actor=personas.foreign_practitioner, condition_id=condition.pk, data={"note": "x"}
        )


def test_an_import_is_all_or_nothing(personas: Personas) -> None:
    good = services.PatientRecord(patient=adult_patient_data())
    bad = services.PatientRecord(patient=adult_patient_data(email="nope"))
    with pytest.raises(FieldErrors) as caught:
        services.patient_import(actor=personas.practitioner, records=[good, bad])
    assert "1.email" in caught.value.errors
    assert not Patient.objects.exists()


def test_an_import_audits_every_patient_in_the_same_chain(personas: Personas) -> None:
    records = [
        services.PatientRecord(
            patient=adult_patient_data(given_name=f"P{i}"),
            conditions=[{"code": "urticaria", "asserted_on": today()}],
        )
        for i in range(3)
    ]
    assert services.patient_import(actor=personas.practitioner, records=records) == 3
    assert Condition.objects.count() == 3
    events = AuditEvent.objects.filter(action="create", summary="imported").order_by("seq")
    assert [e.patient_id for e in events] == [p.pk for p in Patient.objects.order_by("given_name")]


def test_an_older_list_review_never_replaces_a_newer_one(personas: Personas) -> None:
    patient = services.patient_create(actor=personas.practitioner, data=adult_patient_data())
    services.history_list_review(
        actor=personas.practitioner, patient_id=patient.pk, which="medications"
    )
    week_ago = today() - dt.timedelta(days=7)
    services.history_list_review(
        actor=personas.practitioner, patient_id=patient.pk, which="medications", on=week_ago
    )
    patient.refresh_from_db()
    assert patient.medications_reviewed_on == today()
    services.history_list_review(
        actor=personas.practitioner, patient_id=patient.pk, which="allergies", on=week_ago
    )
    patient.refresh_from_db()
    assert patient.allergies_reviewed_on == week_ago


def test_a_pregnancys_expected_date_window_follows_the_clinics_setting(
    personas: Personas,
) -> None:
    patient = services.patient_create(actor=personas.practitioner, data=adult_patient_data())
    data = {
        "code": "pregnancy",
        "verification_status": "confirmed",
        "expected_date": today() + dt.timedelta(days=250),
    }
    knowledge_change_record(
        actor=personas.clinic_admin,
        target_kind="setting",
        target_code="pregnancy_expected_date_window_days",
        change={"value": 200},
        reason="Our obstetric colleagues asked for a tighter window.",
    )
    with pytest.raises(FieldErrors) as caught:
        services.condition_record(actor=personas.practitioner, patient_id=patient.pk, data=data)
    assert caught.value.errors["expected_date"] == [
        "The expected date must lie within the next 200 days."
    ]
    knowledge_change_record(
        actor=personas.clinic_admin,
        target_kind="setting",
        target_code="pregnancy_expected_date_window_days",
        change={"value": 300},
        reason="Back to the shipped default.",
    )
    services.condition_record(actor=personas.practitioner, patient_id=patient.pk, data=data)
    assert Condition.objects.filter(patient=patient, code="pregnancy").exists()
