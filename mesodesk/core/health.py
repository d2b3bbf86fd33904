"""The checks behind /healthz: each says ok or fail against a threshold from settings.

Pure reads; nothing here writes. The project-level `mesodesk.health` adds the audit
checkpoint check, which belongs to a higher app.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone

from mesodesk.core.heartbeat import BACKUP, WORKER, heartbeat_at


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    values: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("name")
        data["status"] = "ok" if data.pop("ok") else "fail"
        data.update(data.pop("values"))
        return data


def database_check() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        return Check("database", False, f"unreachable: {type(exc).__name__}")
    return Check("database", True, "reachable", {"vendor": connection.vendor})


def age_check(name: str, at: dt.datetime | None, limit: dt.timedelta, what: str) -> Check:
    if at is None:
        return Check(
            name, False, f"no {what} recorded", {"max_age_seconds": int(limit.total_seconds())}
        )
    age = timezone.now() - at
    values = {
        "last": at.astimezone(dt.UTC).isoformat(),
        "age_seconds": int(age.total_seconds()),
        "max_age_seconds": int(limit.total_seconds()),
    }
    if age > limit:
        return Check(name, False, f"last {what} is too old", values)
    return Check(name, True, f"last {what} is recent", values)


def _beat(name: str) -> dt.datetime | None:
    try:
        return heartbeat_at(name)
    except DatabaseError:
        return None


def worker_check() -> Check:
    limit = dt.timedelta(seconds=settings.HEALTH_HEARTBEAT_MAX_SECONDS)
    return age_check("worker", _beat(WORKER), limit, "worker heartbeat")


def backup_check() -> Check:
    limit = dt.timedelta(hours=settings.HEALTH_BACKUP_MAX_HOURS)
    return age_check("backup", _beat(BACKUP), limit, "good backup")


def disk_check() -> Check:
    usage = shutil.disk_usage(settings.VAR_DIR)
    free_mb = usage.free // (1024 * 1024)
    minimum = settings.HEALTH_DISK_MIN_FREE_MB
    values = {"free_mb": free_mb, "min_free_mb": minimum}
    if free_mb < minimum:
        return Check("disk", False, "free space is below the minimum", values)
    return Check("disk", True, "enough free space", values)


CORE_CHECKS: tuple[Callable[[], Check], ...] = (
    database_check,
    worker_check,
    backup_check,
    disk_check,
)


def health_report(checks: tuple[Callable[[], Check], ...]) -> tuple[bool, dict[str, Any]]:
    results = [check() for check in checks]
    healthy = all(r.ok for r in results)
    return healthy, {
        "status": "ok" if healthy else "fail",
        "checks": {r.name: r.as_json() for r in results},
    }
