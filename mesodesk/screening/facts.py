"""From the stored patient record to the engine's plain input, and back to JSON."""

from __future__ import annotations

import dataclasses
from typing import Any

from mesodesk.audit.chain import json_safe
from mesodesk.patients.selectors import HistorySnapshot
from mesodesk.screening.engine import (
    AllergyFact,
    ConditionFact,
    Finding,
    MedicationFact,
    PatientFacts,
    PlannedTreatment,
)

_STATUS = {"confirmed": "present", "unconfirmed": "unsure", "refuted": "absent"}


def patient_facts(snapshot: HistorySnapshot) -> PatientFacts:
    patient = snapshot.patient
    return PatientFacts(
        date_of_birth=patient.date_of_birth,
        sex=patient.sex,
        weight_kg=patient.weight_kg,
        conditions=tuple(
            ConditionFact(
                code=c.code,
                status=_STATUS[c.verification_status],  # type: ignore[arg-type]
                asserted_on=c.asserted_on,
                clinical_status=c.clinical_status,
                onset_date=c.onset_date,
                abatement_date=c.abatement_date,
                body_site=c.body_site,
                detail=c.other_text,
            )
            for c in snapshot.conditions
            if c.verification_status in _STATUS
        ),
        medications=tuple(
            MedicationFact(
                name=m.name,
                medication_class=m.medication_class,
                active=m.status == "active",
                asserted_on=m.asserted_on,
                stopped_on=m.stopped_on,
            )
            for m in snapshot.medications
        ),
        allergies=tuple(
            AllergyFact(substance=a.substance, group=a.allergy_group, asserted_on=a.asserted_on)
            for a in snapshot.allergies
        ),
        medications_reviewed_on=patient.medications_reviewed_on,
        allergies_reviewed_on=patient.allergies_reviewed_on,
    )


def snapshot_json(facts: PatientFacts, plan: PlannedTreatment) -> dict[str, Any]:
    result: dict[str, Any] = json_safe(
        {"facts": dataclasses.asdict(facts), "plan": dataclasses.asdict(plan)}
    )
    return result


def findings_json(findings: tuple[Finding, ...]) -> list[dict[str, Any]]:
    return [json_safe(dataclasses.asdict(f)) for f in findings]
