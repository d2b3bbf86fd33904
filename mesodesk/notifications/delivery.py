"""The worker's side of the outbox: sending one queued e-mail through Django's mail backends.

It is kept apart from `services` (which queues) so the imports run one way:
`services` -> `tasks` -> `delivery`.
"""

from __future__ import annotations

import logging
import uuid

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from mesodesk.notifications.choices import EmailStatus
from mesodesk.notifications.models import OutboundEmail

logger = logging.getLogger(__name__)


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
