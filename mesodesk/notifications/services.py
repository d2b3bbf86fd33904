"""Queueing e-mail for the task layer; the worker's delivery is `notifications.delivery`.

The import runs one way, services -> tasks -> delivery, so neither module needs the other
at call time.
"""

from __future__ import annotations

import uuid

from django.db import transaction

from mesodesk.accounts.actor import Actor
from mesodesk.audit.choices import AuditAction
from mesodesk.audit.services import audit_event_record
from mesodesk.core.errors import Conflict, ObjectId
from mesodesk.core.lookups import get_in_clinic
from mesodesk.notifications.choices import EmailStatus
from mesodesk.notifications.models import OutboundEmail
from mesodesk.notifications.tasks import deliver_email


def _enqueue(email_id: uuid.UUID) -> None:
    transaction.on_commit(lambda: deliver_email(str(email_id)))


def email_queue(
    *,
    actor: Actor,
    to: str,
    subject: str,
    body: str,
    purpose: str,
    patient_id: uuid.UUID | None = None,
    related_type: str = "",
    related_id: uuid.UUID | None = None,
) -> OutboundEmail:
    """Stores the e-mail and hands it to the worker once the transaction commits."""
    with transaction.atomic():
        email = OutboundEmail.objects.create(
            clinic=actor.clinic,
            to=to,
            subject=subject[:200],
            body_text=body,
            purpose=purpose,
            patient_id=patient_id,
            related_type=related_type,
            related_id=related_id,
            created_by=actor.user,
        )
        audit_event_record(
            actor=actor,
            action=AuditAction.SEND,
            obj=email,
            patient_id=patient_id,
            summary=f"{purpose} e-mail queued",
            changes={"to": [None, to], "subject": [None, email.subject]},
        )
        _enqueue(email.pk)
    return email


def email_retry(*, actor: Actor, email_id: ObjectId) -> OutboundEmail:
    """Queues a failed e-mail again."""
    with transaction.atomic():
        email = get_in_clinic(
            OutboundEmail.objects.select_for_update().filter(clinic=actor.clinic),
            email_id,
            message="No such e-mail in this clinic.",
        )
        if email.status != EmailStatus.FAILED:
            raise Conflict("Only a failed e-mail can be retried.")
        email.status = EmailStatus.QUEUED
        email.save(update_fields=["status", "updated_at"])
        audit_event_record(
            actor=actor,
            action=AuditAction.SEND,
            obj=email,
            patient_id=email.patient_id,
            summary=f"{email.purpose} e-mail retried",
        )
        _enqueue(email.pk)
    return email
