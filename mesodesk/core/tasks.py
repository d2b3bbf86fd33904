"""Periodic upkeep jobs (huey)."""

from __future__ import annotations

from django.conf import settings
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from mesodesk.core.backup.archive import backup_create
from mesodesk.core.heartbeat import WORKER, heartbeat_record
from mesodesk.core.maintenance import database_optimize


@db_periodic_task(crontab(hour="3", minute="17"))
def refresh_database_statistics() -> None:
    database_optimize()


@db_periodic_task(crontab(minute="*"))
def worker_heartbeat() -> None:
    """Proves every minute that the worker runs scheduled jobs (read by /healthz)."""
    heartbeat_record(WORKER)


@db_periodic_task(crontab(hour=str(settings.BACKUP_HOUR), minute="45"))
def daily_backup() -> None:
    """The encrypted daily backup with retention; /healthz fails if it stops succeeding."""
    backup_create()
