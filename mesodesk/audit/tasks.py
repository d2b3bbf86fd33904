"""Periodic audit jobs (huey): signed checkpoints of every chain head, refusal windows."""

from __future__ import annotations

from django.conf import settings
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from mesodesk.audit.checkpoints import checkpoint_write
from mesodesk.audit.refusals import refusals_flush


@db_periodic_task(crontab(minute=f"*/{settings.AUDIT_CHECKPOINT_MINUTES}"))
def write_audit_checkpoint() -> None:
    checkpoint_write()


@db_periodic_task(crontab(minute="*/5"))
def close_refusal_windows() -> None:
    refusals_flush()
