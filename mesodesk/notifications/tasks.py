"""Background jobs of the notifications app (huey)."""

from __future__ import annotations

from huey.contrib.djhuey import db_task

from mesodesk.notifications.delivery import email_deliver


@db_task(retries=0)
def deliver_email(email_id: str) -> None:
    email_deliver(email_id=email_id)
