"""E-mail goes through Django's mail backends via the outbox; failures are kept and retried."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import override_settings

from mesodesk.core.errors import Conflict, NotFound
from mesodesk.core.testing import Personas
from mesodesk.notifications.delivery import email_deliver
from mesodesk.notifications.models import OutboundEmail
from mesodesk.notifications.services import email_queue, email_retry

pytestmark = pytest.mark.django_db

UNREACHABLE_SMTP = {
    "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
    "EMAIL_HOST": "127.0.0.1",
    "EMAIL_PORT": 9,  # discard port: nothing listens, the connection is refused
    "EMAIL_TIMEOUT": 2,
}


def test_a_queued_email_is_sent_after_the_transaction_commits(
    personas: Personas, django_capture_on_commit_callbacks: object
) -> None:
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        email = email_queue(
            actor=personas.practitioner,
            to="p@example.org",
            subject="Hello",
            body="Body",
            purpose="test",
        )
    email.refresh_from_db()
    assert email.status == "sent"
    assert email.sent_at is not None
    assert mail.outbox[0].subject == "Hello"
    assert mail.outbox[0].from_email == personas.clinic_a.email


def test_a_failed_send_is_recorded_and_can_be_retried(
    personas: Personas, django_capture_on_commit_callbacks: object
) -> None:
    with override_settings(**UNREACHABLE_SMTP), django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        email = email_queue(
            actor=personas.practitioner,
            to="p@example.org",
            subject="Hi",
            body="Body",
            purpose="test",
        )
    email.refresh_from_db()
    assert email.status == "failed"
    assert "Refused" in email.last_error
    assert email.attempts == 1

    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        email_retry(actor=personas.practitioner, email_id=email.pk)
    email.refresh_from_db()
    assert email.status == "sent"
    assert email.attempts == 2
    assert email.last_error == ""


def test_only_a_failed_email_can_be_retried(personas: Personas) -> None:
    email = email_queue(
        actor=personas.practitioner, to="p@example.org", subject="Hi", body="Body", purpose="test"
    )
    email_deliver(email_id=email.pk)
    with pytest.raises(Conflict):
        email_retry(actor=personas.practitioner, email_id=email.pk)
    with pytest.raises(NotFound):
        email_retry(actor=personas.foreign_practitioner, email_id=email.pk)


def test_a_sent_email_is_never_sent_twice(personas: Personas) -> None:
    email = email_queue(
        actor=personas.practitioner, to="p@example.org", subject="Hi", body="Body", purpose="test"
    )
    email_deliver(email_id=email.pk)
    email_deliver(email_id=email.pk)
    assert len(mail.outbox) == 1
    assert OutboundEmail.objects.get().attempts == 1
