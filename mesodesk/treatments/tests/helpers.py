"""A patient whose every screening question is answered 'no', for plan tests."""

from __future__ import annotations

from decimal import Decimal

from mesodesk.accounts.actor import Actor
from mesodesk.core.testing import adult_patient_data
from mesodesk.knowledge.loader import knowledge
from mesodesk.patients.models import Patient
from mesodesk.patients.services import condition_record, history_list_review, patient_create


def screened_patient(actor: Actor, *, weight: str | None = "60") -> Patient:
    data = adult_patient_data()
    if weight is not None:
        data["weight_kg"] = Decimal(weight)
    patient = patient_create(actor=actor, data=data)
    for code in knowledge().conditions:
        if code != "other":
            condition_record(
                actor=actor,
                patient_id=patient.pk,
                data={"code": code, "verification_status": "refuted"},
            )
    for which in ("medications", "allergies"):
        history_list_review(actor=actor, patient_id=patient.pk, which=which)
    return patient
