"""Daily stock upkeep (huey)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from mesodesk.catalog.services import lots_mark_expired


@db_periodic_task(crontab(hour="0", minute="30"))
def mark_expired_lots() -> None:
    lots_mark_expired()
