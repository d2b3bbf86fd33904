"""Answers a patient might give, for intake tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from mesodesk.core.testing import today
from mesodesk.patients.intake import IntakeAnswers, intake_condition_codes


def answers(**overrides: Any) -> IntakeAnswers:
    conditions: dict[str, dict[str, Any]] = {
        code: {"answer": "no"} for code in intake_condition_codes()
    }
    conditions.update(overrides.pop("conditions", {}))
    data: dict[str, Any] = {
        "conditions": conditions,
        "medications": [{"name": "Apixaban", "medication_class": "anticoagulant", "dose": "5 mg"}],
        "allergies": [
            {
                "substance": "Lidocaine",
                "allergy_group": "amide_local_anaesthetic",
                "reaction": "hives",
                "severity": "moderate",
            }
        ],
        "weight_kg": "64.5",
        "height_cm": "168",
        "concerns": "Tired skin",
        "target_areas": ["full_face"],
    }
    data.update(overrides)
    return IntakeAnswers.model_validate(data)


def form_post(**overrides: str) -> dict[str, str]:
    """A filled questionnaire as the browser posts it."""
    data = {f"c_{code}": "no" for code in intake_condition_codes()}
    data.update(
        {
            "med_0_name": "Apixaban",
            "med_0_class": "anticoagulant",
            "med_0_dose": "5 mg",
            "no_allergies": "on",
            "weight_kg": "64.5",
            "height_cm": "168",
            "concerns": "Tired skin",
            "target_areas": "full_face",
        }
    )
    data.update(overrides)
    return data


def future(days: int) -> str:
    return (today() + dt.timedelta(days=days)).isoformat()
