"""Queueing and delivering e-mail through Django's mail backends, via the task layer."""

from __future__ import annotations

import logging
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from mesodesk.accounts.actor import Actor
from mesodesk.audit.choices import AuditAction
from mesodesk.audit.services import audit_event_record
from mesodesk.core.errors import Conflict, ObjectId
from mesodesk.core.lookups import get_in_clinic
from mesodesk.notifications.choices import EmailStatus
from mesodesk.notifications.models import OutboundEmail

logger = logging.getLogger(__name__)


def _enqueue(email_id: uuid.UUID) -> None:
    from mesodesk.notifications.tasks import deliver_email

    transaction.on_commit(lambda: deliver_email(str(email_id)))


def email_address_error(address: str) -> str | None:
    """Why `address` cannot receive mail, or None when it is a valid address."""
    try:
        validate_email(address)
    except ValidationError:
        return "Enter a valid e-mail address."
    return None


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


def email_deliver(*, email_id: uuid.UUID | str) -> OutboundEmail:
    """Sends one queued e-mail; records success or the failure for a later retry."""
    with transaction.atomic():
        email = OutboundEmail.objects.select_for_update().get(pk=email_id)
        if email.status == EmailStatus.SENT:
            return email
        OutboundEmail.objects.filter(pk=email.pk).update(attempts=F("attempts") + 1)
    message = EmailMessage(
        subject=email.subject,
        body=email.body_text,
        from_email=email.clinic.email or settings.DEFAULT_FROM_EMAIL,
        to=[email.to],
    )
    try:
        message.send(fail_silently=False)
    except Exception as exc:
        logger.warning("e-mail %s failed: %s", email.pk, type(exc).__name__)
        OutboundEmail.objects.filter(pk=email.pk).update(
            status=EmailStatus.FAILED, last_error=f"{type(exc).__name__}: {exc}"[:500]
        )
    else:
        OutboundEmail.objects.filter(pk=email.pk).update(
            status=EmailStatus.SENT, sent_at=timezone.now(), last_error=""
        )
    email.refresh_from_db()
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
