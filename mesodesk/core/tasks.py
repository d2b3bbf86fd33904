"""Periodic upkeep jobs (huey)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from mesodesk.core.heartbeat import WORKER, heartbeat_record
from mesodesk.core.maintenance import database_optimize


@db_periodic_task(crontab(hour="3", minute="17"))
def refresh_database_statistics() -> None:
    database_optimize()


@db_periodic_task(crontab(minute="*"))
def worker_heartbeat() -> None:
    """Proves every minute that the worker runs scheduled jobs (read by /healthz)."""
    heartbeat_record(WORKER)
