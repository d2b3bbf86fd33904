"""Heartbeats: recurring jobs record that they ran, so /healthz can tell when one stopped."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from mesodesk.core.models import Heartbeat

WORKER = "worker"
BACKUP = "backup"


def heartbeat_record(name: str, *, detail: dict[str, Any] | None = None) -> Heartbeat:
    beat, _ = Heartbeat.objects.update_or_create(
        name=name, defaults={"beat_at": timezone.now(), "detail": detail or {}}
    )
    return beat


def heartbeat_at(name: str) -> dt.datetime | None:
    return Heartbeat.objects.filter(name=name).values_list("beat_at", flat=True).first()
