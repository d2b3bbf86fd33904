from __future__ import annotations

import uuid

from django.db.models import QuerySet

from mesodesk.accounts.actor import Actor
from mesodesk.notifications.models import OutboundEmail


def emails_for_patient(*, actor: Actor, patient_id: uuid.UUID) -> QuerySet[OutboundEmail]:
    return OutboundEmail.objects.filter(clinic=actor.clinic, patient_id=patient_id)
