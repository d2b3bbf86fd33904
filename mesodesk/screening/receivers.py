"""Re-screens a patient whenever their record changes (inside the same transaction)."""

from __future__ import annotations

import uuid
from typing import Any

from django.dispatch import receiver

from mesodesk.accounts.actor import Actor
from mesodesk.patients.signals import history_changed
from mesodesk.screening.services import screening_refresh


@receiver(history_changed, dispatch_uid="screening-refresh")
def rescreen(sender: Any, actor: Actor, patient_id: uuid.UUID, **kwargs: Any) -> None:
    screening_refresh(actor=actor, patient_id=patient_id)
