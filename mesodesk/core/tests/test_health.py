"""/healthz answers JSON, 200 when every check passes and 503 when one fails."""

from __future__ import annotations

import datetime as dt
from collections import namedtuple
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from mesodesk.audit.checkpoints import checkpoint_write
from mesodesk.core.heartbeat import BACKUP, WORKER, heartbeat_record
from mesodesk.core.models import Heartbeat
from mesodesk.core.tasks import worker_heartbeat

pytestmark = pytest.mark.django_db


def _all_fresh() -> None:
    worker_heartbeat.call_local()
    heartbeat_record(BACKUP)
    checkpoint_write()


def _health() -> tuple[int, dict[str, Any]]:
    response = Client().get("/healthz")
    assert response["Content-Type"] == "application/json"
    return response.status_code, response.json()


def test_it_says_ok_when_every_part_is_healthy() -> None:
    _all_fresh()
    status, body = _health()
    assert status == 200
    assert body["status"] == "ok"
    assert {name: c["status"] for name, c in body["checks"].items()} == {
        "database": "ok",
        "worker": "ok",
        "backup": "ok",
        "disk": "ok",
        "audit_checkpoint": "ok",
    }


def test_it_fails_when_the_worker_stops(settings: Any) -> None:
    _all_fresh()
    Heartbeat.objects.filter(name=WORKER).update(
        beat_at=timezone.now() - dt.timedelta(seconds=settings.HEALTH_HEARTBEAT_MAX_SECONDS + 1)
    )
    status, body = _health()
    assert status == 503
    assert body["status"] == "fail"
    assert body["checks"]["worker"]["status"] == "fail"
    assert body["checks"]["worker"]["detail"] == "last worker heartbeat is too old"
    assert body["checks"]["database"]["status"] == "ok"


def test_it_fails_when_no_backup_was_ever_taken() -> None:
    _all_fresh()
    Heartbeat.objects.filter(name=BACKUP).delete()
    status, body = _health()
    assert status == 503
    assert body["checks"]["backup"] == {
        "status": "fail",
        "detail": "no good backup recorded",
        "max_age_seconds": 26 * 3600,
    }


def test_it_fails_when_the_last_audit_checkpoint_is_too_old(settings: Any) -> None:
    _all_fresh()
    settings.HEALTH_CHECKPOINT_MAX_MINUTES = 0
    status, body = _health()
    assert status == 503
    assert body["checks"]["audit_checkpoint"]["status"] == "fail"


def test_it_fails_when_the_disk_is_nearly_full(monkeypatch: Any) -> None:
    _all_fresh()
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr("shutil.disk_usage", lambda path: usage(10**9, 10**9 - 10**6, 10**6))
    status, body = _health()
    assert status == 503
    assert body["checks"]["disk"]["status"] == "fail"
    assert body["checks"]["disk"]["free_mb"] == 0
