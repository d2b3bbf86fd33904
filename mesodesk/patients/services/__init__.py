"""Writes of the patients app: patients and their history (`records`); intake links and
submissions live in `services.intake`.
"""

from __future__ import annotations

from mesodesk.patients.fields import DEMOGRAPHIC_FIELDS
from mesodesk.patients.services.records import (
    PatientRecord,
    PossibleDuplicates,
    allergy_record,
    allergy_update,
    condition_record,
    condition_update,
    history_item_create,
    history_item_update,
    history_list_review,
    medication_record,
    medication_update,
    patient_create,
    patient_import,
    patient_in_clinic,
    patient_update,
)

__all__ = [
    "DEMOGRAPHIC_FIELDS",
    "PatientRecord",
    "PossibleDuplicates",
    "allergy_record",
    "allergy_update",
    "condition_record",
    "condition_update",
    "history_item_create",
    "history_item_update",
    "history_list_review",
    "medication_record",
    "medication_update",
    "patient_create",
    "patient_import",
    "patient_in_clinic",
    "patient_update",
]
