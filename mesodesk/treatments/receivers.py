"""Re-screens a patient's open plans whenever their record changes."""

from __future__ import annotations

import uuid
from typing import Any

from django.dispatch import receiver

from mesodesk.accounts.actor import Actor
from mesodesk.patients.signals import history_changed
from mesodesk.screening.choices import ScreeningReason
from mesodesk.screening.services import screening_refresh
from mesodesk.treatments.selectors import open_plans_of_patient, plan_ingredients


@receiver(history_changed, dispatch_uid="treatments-rescreen-plans")
def rescreen_plans(sender: Any, actor: Actor, patient_id: uuid.UUID, **kwargs: Any) -> None:
    for plan in open_plans_of_patient(clinic_id=actor.clinic.pk, patient_id=patient_id):
        screening_refresh(
            actor=actor,
            patient_id=patient_id,
            indication=plan.indication,
            areas=plan.areas,
            ingredients=plan_ingredients(plan),
            plan_id=plan.pk,
            reason=ScreeningReason.PLAN,
        )
