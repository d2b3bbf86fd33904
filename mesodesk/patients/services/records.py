"""Writes to the patient record: registration, demographics, clinical profile, history.

Every function is keyword-only, takes `actor=`, checks the actor's capabilities, validates
completely before writing, and audits in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from mesodesk.accounts.actor import Actor
from mesodesk.accounts.choices import Capability
from mesodesk.audit.choices import AuditAction
from mesodesk.audit.services import (
    audit_event_record,
    audit_events_record_many,
    created_changes,
    field_changes,
    snapshot,
)
from mesodesk.core.dates import EARLIEST_DATE, date_bounds_error
from mesodesk.core.errors import Conflict, FieldErrors, ObjectId
from mesodesk.core.lookups import get_in_clinic
from mesodesk.knowledge.selectors import clinic_knowledge
from mesodesk.patients.choices import ClinicalStatus, FactSource, VerificationStatus
from mesodesk.patients.fields import DEMOGRAPHIC_FIELDS
from mesodesk.patients.models import Allergy, Condition, HistoryItem, Medication, Patient
from mesodesk.patients.selectors import (
    PossibleDuplicate,
    condition_kind,
    patient_possible_duplicates,
)
from mesodesk.patients.signals import notify_history_changed
from mesodesk.patients.validators import name_key, phone_key

CLINICAL_PROFILE_FIELDS = (
    "medications_reviewed_on",
    "allergies_reviewed_on",
    "weight_kg",
    "height_cm",
    "measured_on",
    "fitzpatrick",
    "glogau",
    "concerns",
    "target_areas",
)
CONDITION_FIELDS = (
    "code",
    "verification_status",
    "clinical_status",
    "onset_date",
    "abatement_date",
    "expected_date",
    "body_site",
    "other_text",
    "asserted_on",
    "note",
)
MEDICATION_FIELDS = (
    "name",
    "medication_class",
    "status",
    "dose",
    "started_on",
    "stopped_on",
    "asserted_on",
    "note",
)
ALLERGY_FIELDS = (
    "substance",
    "allergy_group",
    "reaction",
    "severity",
    "verification_status",
    "asserted_on",
    "note",
)
EARLIEST_BIRTH = EARLIEST_DATE
# Patient fields that screening reads: changing one re-screens the patient.
SCREENED_PATIENT_FIELDS = {
    "date_of_birth",
    "sex",
    "weight_kg",
    "medications_reviewed_on",
    "allergies_reviewed_on",
}
REVIEWED_LISTS = {"medications": "medications_reviewed_on", "allergies": "allergies_reviewed_on"}

H = TypeVar("H", bound=HistoryItem)


def patient_in_clinic(actor: Actor, patient_id: ObjectId, *, for_update: bool = False) -> Patient:
    qs = Patient.objects.filter(clinic=actor.clinic)
    if for_update:
        qs = qs.select_for_update()
    return get_in_clinic(qs, patient_id)


def _reject_unknown(data: Mapping[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise FieldErrors({key: ["Unknown field."] for key in unknown})


def _full_clean(instance: models.Model, extra: dict[str, list[str]] | None = None) -> None:
    errors: dict[str, list[str]] = dict(extra or {})
    try:
        instance.full_clean(exclude=["clinic", "patient"])
    except ValidationError as exc:
        for key, messages in FieldErrors.from_django(exc).errors.items():
            errors.setdefault(key, []).extend(messages)
    if errors:
        raise FieldErrors(errors)


def _not_future(value: dt.date | None, today: dt.date, label: str) -> list[str]:
    if value is not None and value > today:
        return [f"{label} cannot be in the future."]
    if message := date_bounds_error(value):
        return [message]
    return []


def _patient_rules(patient: Patient, today: dt.date) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    dob = patient.date_of_birth
    if isinstance(dob, dt.date):
        if dob > today:
            errors["date_of_birth"] = ["The date of birth cannot be in the future."]
        elif dob < EARLIEST_BIRTH:
            errors["date_of_birth"] = ["The date of birth is before 1900."]
    if isinstance(patient.measured_on, dt.date):
        if msg := _not_future(patient.measured_on, today, "The measurement date"):
            errors["measured_on"] = msg
        elif isinstance(dob, dt.date) and patient.measured_on < dob:
            errors["measured_on"] = ["The measurement date is before the date of birth."]
    for name, words in (
        ("medications_reviewed_on", "The date the medicines were reviewed"),
        ("allergies_reviewed_on", "The date the allergies were reviewed"),
    ):
        value = getattr(patient, name)
        if isinstance(value, dt.date) and (msg := _not_future(value, today, words)):
            errors[name] = msg
    return errors


def _apply_patient_fields(patient: Patient, data: Mapping[str, Any], today: dt.date) -> None:
    for key, value in data.items():
        if key == "target_areas" and value is None:
            value = []
        elif isinstance(value, str) and key not in ("concerns", "address"):
            value = value.strip()
        setattr(patient, key, value)
    if (patient.weight_kg is not None or patient.height_cm is not None) and not patient.measured_on:
        patient.measured_on = today
    patient.given_key = name_key(patient.given_name or "")
    patient.family_key = name_key(patient.family_name or "")
    patient.phone_key = phone_key(patient.phone or "")
    if isinstance(patient.email, str):
        patient.email = patient.email.lower()


def _require_for_fields(actor: Actor, fields: set[str]) -> None:
    if fields & set(DEMOGRAPHIC_FIELDS):
        actor.require(Capability.PATIENT_EDIT)
    if fields & set(CLINICAL_PROFILE_FIELDS):
        actor.require(Capability.CLINICAL_EDIT)


class PossibleDuplicates(Conflict):
    """The patient looks like one already registered; registering anyway needs a reason."""

    def __init__(self, duplicates: list[PossibleDuplicate]) -> None:
        super().__init__(
            "This patient may already be registered. Open the existing chart, or register "
            "anyway with a reason (duplicate_reason).",
            details={
                "duplicates": [
                    {
                        "id": str(d.patient.pk),
                        "given_name": d.patient.given_name,
                        "family_name": d.patient.family_name,
                        "date_of_birth": d.patient.date_of_birth.isoformat(),
                        "matched_on": d.matched_on,
                    }
                    for d in duplicates
                ]
            },
        )
        self.duplicates = duplicates


def patient_create(*, actor: Actor, data: Mapping[str, Any], duplicate_reason: str = "") -> Patient:
    """Registers a patient in the actor's clinic. A patient with the same name and date of
    birth, e-mail or mobile as an existing one is refused (PossibleDuplicates) unless a
    reason is given; the reason is stored and audited."""
    _reject_unknown(data, DEMOGRAPHIC_FIELDS + CLINICAL_PROFILE_FIELDS)
    _require_for_fields(actor, set(data) | {"given_name"})
    today = actor.today()
    patient = Patient(clinic=actor.clinic)
    _apply_patient_fields(patient, data, today)
    reason = (duplicate_reason or "").strip()
    patient.duplicate_reason = reason
    _full_clean(patient, _patient_rules(patient, today))
    with transaction.atomic():
        duplicates = patient_possible_duplicates(
            actor=actor,
            given_name=patient.given_name,
            family_name=patient.family_name,
            date_of_birth=patient.date_of_birth,
            email=patient.email,
            phone=patient.phone,
        )
        if duplicates and not reason:
            raise PossibleDuplicates(duplicates)
        if not duplicates:
            patient.duplicate_reason = ""
        patient.save(force_insert=True)
        changes = created_changes(patient, DEMOGRAPHIC_FIELDS + CLINICAL_PROFILE_FIELDS)
        summary = ""
        if duplicates:
            changes["duplicate_reason"] = [None, reason]
            changes["possible_duplicates"] = [None, [str(d.patient.pk) for d in duplicates]]
            summary = "registered despite a possible duplicate"
        audit_event_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=patient,
            patient_id=patient.pk,
            changes=changes,
            summary=summary,
        )
    return patient


def patient_update(*, actor: Actor, patient_id: ObjectId, data: Mapping[str, Any]) -> Patient:
    """Changes the given fields of a patient; fields left out keep their values."""
    _reject_unknown(data, DEMOGRAPHIC_FIELDS + CLINICAL_PROFILE_FIELDS)
    _require_for_fields(actor, set(data))
    today = actor.today()
    with transaction.atomic():
        patient = patient_in_clinic(actor, patient_id, for_update=True)
        tracked = DEMOGRAPHIC_FIELDS + CLINICAL_PROFILE_FIELDS
        before = snapshot(patient, tracked)
        _apply_patient_fields(patient, data, today)
        _full_clean(patient, _patient_rules(patient, today))
        changes = field_changes(before, snapshot(patient, tracked))
        if changes:
            patient.save()
            audit_event_record(
                actor=actor,
                action=AuditAction.UPDATE,
                obj=patient,
                patient_id=patient.pk,
                changes=changes,
            )
            if set(changes) & SCREENED_PATIENT_FIELDS:
                notify_history_changed(actor=actor, patient_id=patient.pk)
    return patient


# --- Medical history -------------------------------------------------------------------


def _condition_rules(item: Condition, today: dt.date) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    kind = condition_kind(item.code)
    for name, label in (
        ("asserted_on", "The date"),
        ("onset_date", "The onset date"),
        ("abatement_date", "The remission date"),
    ):
        if msg := _not_future(getattr(item, name), today, label):
            errors[name] = msg
    present = item.verification_status in (
        VerificationStatus.CONFIRMED,
        VerificationStatus.UNCONFIRMED,
    )
    if kind == "other" and not item.other_text:
        errors["other_text"] = ["Describe the condition."]
    if kind == "site" and present and not item.body_site:
        errors["body_site"] = ["Say where the infection or inflammation is."]
    if (
        kind == "cancer"
        and item.clinical_status == ClinicalStatus.REMISSION
        and not item.abatement_date
    ):
        errors["abatement_date"] = ["Give the date of remission."]
    if item.expected_date and kind != "pregnancy":
        errors["expected_date"] = ["An expected date belongs to a pregnancy."]
    if kind == "pregnancy" and item.expected_date and present:
        window = clinic_knowledge(item.clinic).setting("pregnancy_expected_date_window_days")
        if not today <= item.expected_date <= today + dt.timedelta(days=window):
            errors["expected_date"] = [f"The expected date must lie within the next {window} days."]
    return errors


def _medication_rules(item: Medication, today: dt.date) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for name, label in (
        ("asserted_on", "The date"),
        ("started_on", "The start date"),
        ("stopped_on", "The stop date"),
    ):
        if msg := _not_future(getattr(item, name), today, label):
            errors[name] = msg
    if item.started_on and item.stopped_on and item.stopped_on < item.started_on:
        errors["stopped_on"] = ["The stop date is before the start date."]
    return errors


def _allergy_rules(item: Allergy, today: dt.date) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if msg := _not_future(item.asserted_on, today, "The date"):
        errors["asserted_on"] = msg
    if not item.substance and not item.allergy_group:
        errors["substance"] = ["Name the substance or choose an allergy group."]
    return errors


_RULES: dict[type[HistoryItem], Any] = {
    Condition: _condition_rules,
    Medication: _medication_rules,
    Allergy: _allergy_rules,
}
_FIELDS: dict[type[HistoryItem], tuple[str, ...]] = {
    Condition: CONDITION_FIELDS,
    Medication: MEDICATION_FIELDS,
    Allergy: ALLERGY_FIELDS,
}


def _clean_history(item: HistoryItem, today: dt.date) -> None:
    for name in _FIELDS[type(item)]:
        value = getattr(item, name)
        if isinstance(value, str) and name != "note":
            setattr(item, name, value.strip())
    _full_clean(item, _RULES[type(item)](item, today))


def history_item_create(
    model: type[H],
    *,
    actor: Actor,
    patient: Patient,
    data: Mapping[str, Any],
    source: str = FactSource.CLINICIAN,
    confirmed: bool = True,
) -> H:
    _reject_unknown(data, _FIELDS[model])
    today = actor.today()
    now = timezone.now()
    item = model(
        clinic=actor.clinic,
        patient=patient,
        source=source,
        recorded_by=actor.user,
        confirmed_by=actor.user if confirmed else None,
        confirmed_at=now if confirmed else None,
        asserted_on=today,
    )
    for key, value in data.items():
        setattr(item, key, value)
    _clean_history(item, today)
    item.save(force_insert=True)
    audit_event_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=item,
        patient_id=patient.pk,
        changes=created_changes(item, _FIELDS[model]),
    )
    notify_history_changed(actor=actor, patient_id=patient.pk)
    return item


def history_item_update(
    item: H, *, actor: Actor, data: Mapping[str, Any], source: str | None = None
) -> H:
    fields = _FIELDS[type(item)]
    _reject_unknown(data, fields)
    before = snapshot(item, fields)
    for key, value in data.items():
        setattr(item, key, value)
    today = actor.today()
    if "asserted_on" not in data:
        item.asserted_on = today  # re-stating a fact re-dates it
    item.confirmed_by = actor.user
    item.confirmed_at = timezone.now()
    if source is not None:
        item.source = source
    _clean_history(item, today)
    changes = field_changes(before, snapshot(item, fields))
    item.save()
    audit_event_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=item,
        patient_id=item.patient_id,
        changes=changes,
    )
    notify_history_changed(actor=actor, patient_id=item.patient_id)
    return item


def condition_record(*, actor: Actor, patient_id: ObjectId, data: Mapping[str, Any]) -> Condition:
    """Records a condition; a listed condition already on file is updated, not duplicated."""
    actor.require(Capability.CLINICAL_EDIT)
    if "code" not in data:
        raise FieldErrors.single("code", "Choose a condition.")
    with transaction.atomic():
        patient = patient_in_clinic(actor, patient_id, for_update=True)
        existing = (
            Condition.objects.filter(patient=patient, code=data["code"]).first()
            if data["code"] != "other"
            else None
        )
        if existing is not None:
            return history_item_update(existing, actor=actor, data=data)
        try:
            with transaction.atomic():
                return history_item_create(Condition, actor=actor, patient=patient, data=data)
        except IntegrityError as exc:  # pragma: no cover - the row lock above prevents it
            raise FieldErrors.single("code", "This condition is already recorded.") from exc


def _history_item(model: type[H], actor: Actor, item_id: ObjectId) -> H:
    return get_in_clinic(
        model._default_manager.select_for_update().filter(clinic=actor.clinic), item_id
    )


def condition_update(*, actor: Actor, condition_id: ObjectId, data: Mapping[str, Any]) -> Condition:
    actor.require(Capability.CLINICAL_EDIT)
    if "code" in data:
        raise FieldErrors.single("code", "The condition itself cannot change; record a new one.")
    with transaction.atomic():
        item = _history_item(Condition, actor, condition_id)
        return history_item_update(item, actor=actor, data=data)


def medication_record(*, actor: Actor, patient_id: ObjectId, data: Mapping[str, Any]) -> Medication:
    actor.require(Capability.CLINICAL_EDIT)
    with transaction.atomic():
        patient = patient_in_clinic(actor, patient_id, for_update=True)
        return history_item_create(Medication, actor=actor, patient=patient, data=data)


def medication_update(
    *, actor: Actor, medication_id: ObjectId, data: Mapping[str, Any]
) -> Medication:
    actor.require(Capability.CLINICAL_EDIT)
    with transaction.atomic():
        item = _history_item(Medication, actor, medication_id)
        return history_item_update(item, actor=actor, data=data)


def allergy_record(*, actor: Actor, patient_id: ObjectId, data: Mapping[str, Any]) -> Allergy:
    actor.require(Capability.CLINICAL_EDIT)
    with transaction.atomic():
        patient = patient_in_clinic(actor, patient_id, for_update=True)
        return history_item_create(Allergy, actor=actor, patient=patient, data=data)


def allergy_update(*, actor: Actor, allergy_id: ObjectId, data: Mapping[str, Any]) -> Allergy:
    actor.require(Capability.CLINICAL_EDIT)
    with transaction.atomic():
        item = _history_item(Allergy, actor, allergy_id)
        return history_item_update(item, actor=actor, data=data)


def history_list_review(
    *, actor: Actor, patient_id: ObjectId, which: str, on: dt.date | None = None
) -> Patient:
    """Records that the medication or allergy list is complete as of a date (today by default);
    with no items, that is "no current medicines" or "no known allergies". An older review
    (an intake filled in days ago) never replaces a newer one."""
    actor.require(Capability.CLINICAL_EDIT)
    if which not in REVIEWED_LISTS:
        raise FieldErrors.single("which", "Choose medications or allergies.")
    today = actor.today()
    when = on or today
    if when > today:
        raise FieldErrors.single("on", "The review date cannot be in the future.")
    field = REVIEWED_LISTS[which]
    patient = patient_in_clinic(actor, patient_id)
    current: dt.date | None = getattr(patient, field)
    if current is not None and current >= when:
        return patient
    return patient_update(actor=actor, patient_id=patient_id, data={field: when})


# --- Bulk import ------------------------------------------------------------------------


@dataclass
class PatientRecord:
    """One patient to import, with history facts as field dicts (asserted_on required)."""

    patient: dict[str, Any]
    conditions: list[dict[str, Any]] = field(default_factory=list)
    medications: list[dict[str, Any]] = field(default_factory=list)
    allergies: list[dict[str, Any]] = field(default_factory=list)
    id: uuid.UUID | None = None


def _import_clean(instance: models.Model, where: str) -> None:
    try:
        # Foreign keys are set by this service itself; checking each one would cost a query.
        instance.full_clean(
            exclude=["clinic", "patient", "recorded_by", "confirmed_by"],
            validate_unique=False,
            validate_constraints=False,
        )
    except ValidationError as exc:
        raise FieldErrors(
            {f"{where}.{k}": v for k, v in FieldErrors.from_django(exc).errors.items()}
        ) from exc


def patient_import(*, actor: Actor, records: list[PatientRecord]) -> int:
    """Validates and inserts many patients with their history in one transaction (all or none).

    For migrations from another system and for synthetic demo and benchmark data; every
    patient still gets its own audit event.
    """
    actor.require(Capability.PATIENT_EDIT)
    actor.require(Capability.CLINICAL_EDIT)
    today = actor.today()
    now = timezone.now()
    patients: list[Patient] = []
    items: dict[type[HistoryItem], list[HistoryItem]] = {Condition: [], Medication: [], Allergy: []}
    for index, record in enumerate(records):
        _reject_unknown(record.patient, DEMOGRAPHIC_FIELDS + CLINICAL_PROFILE_FIELDS)
        patient = Patient(clinic=actor.clinic, **({"id": record.id} if record.id else {}))
        _apply_patient_fields(patient, record.patient, today)
        if rule_errors := _patient_rules(patient, today):
            raise FieldErrors({f"{index}.{k}": v for k, v in rule_errors.items()})
        _import_clean(patient, str(index))
        patients.append(patient)
        facts: tuple[tuple[type[HistoryItem], list[dict[str, Any]]], ...] = (
            (Condition, record.conditions),
            (Medication, record.medications),
            (Allergy, record.allergies),
        )
        for model, rows in facts:
            for row in rows:
                _reject_unknown(row, _FIELDS[model])
                item = model(
                    clinic=actor.clinic,
                    patient=patient,
                    source=FactSource.CLINICIAN,
                    recorded_by=actor.user,
                    confirmed_by=actor.user,
                    confirmed_at=now,
                    **row,
                )
                if rule_errors := _RULES[model](item, today):
                    raise FieldErrors(
                        {f"{index}.{model.__name__.lower()}.{k}": v for k, v in rule_errors.items()}
                    )
                _import_clean(item, f"{index}.{model.__name__.lower()}")
                items[model].append(item)
    with transaction.atomic():
        Patient.objects.bulk_create(patients, batch_size=1000)
        for kind, made in items.items():
            kind._default_manager.bulk_create(made, batch_size=1000)
        audit_events_record_many(
            actor=actor,
            action=AuditAction.CREATE,
            objects=list(patients),
            summary="imported",
            patient_ids=[p.pk for p in patients],
        )
    return len(patients)
