from __future__ import annotations

import uuid

from django.db.models import QuerySet

from mesodesk.accounts.actor import Actor
from mesodesk.notifications.models import OutboundEmail


def emails_for_patient(*, actor: Actor, patient_id: uuid.UUID) -> QuerySet[OutboundEmail]:
    return OutboundEmail.objects.filter(clinic=actor.clinic, patient_id=patient_id)


def emails_about(*, actor: Actor, related_id: uuid.UUID) -> QuerySet[OutboundEmail]:
    """The clinic's e-mails about one record (an aftercare sheet …), newest first."""
    return OutboundEmail.objects.filter(clinic=actor.clinic, related_id=related_id).order_by(
        "-created_at"
    )


def emails_about_any(*, actor: Actor, related_ids: list[uuid.UUID]) -> QuerySet[OutboundEmail]:
    """The clinic's e-mails about any of these records (a sheet and its versions), newest
    first."""
    return OutboundEmail.objects.filter(clinic=actor.clinic, related_id__in=related_ids).order_by(
        "-created_at"
    )
