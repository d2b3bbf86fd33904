"""Reads of the audit trail (auditors and clinic admins), scoped to the actor's clinic."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import QuerySet

from mesodesk.accounts.actor import Actor
from mesodesk.accounts.choices import Capability
from mesodesk.audit.models import AuditEvent
from mesodesk.core.paging import clamp_page


@dataclass(frozen=True)
class AuditFilter:
    patient_id: uuid.UUID | None = None
    actor_id: uuid.UUID | None = None
    action: str = ""
    since: dt.datetime | None = None
    until: dt.datetime | None = None


def audit_events(*, actor: Actor, filters: AuditFilter) -> QuerySet[AuditEvent]:
    actor.require(Capability.AUDIT_VIEW)
    qs = AuditEvent.objects.filter(clinic=actor.clinic)
    if filters.patient_id:
        qs = qs.filter(patient_id=filters.patient_id)
    if filters.actor_id:
        qs = qs.filter(actor_id=filters.actor_id)
    if filters.action:
        qs = qs.filter(action=filters.action)
    if filters.since:
        qs = qs.filter(occurred_at__gte=filters.since)
    if filters.until:
        qs = qs.filter(occurred_at__lt=filters.until)
    return qs.order_by("-occurred_at", "-id")


def audit_page(
    *, actor: Actor, filters: AuditFilter, page: int, page_size: int = 50
) -> tuple[list[AuditEvent], bool]:
    offset = (clamp_page(page) - 1) * page_size
    rows = list(audit_events(actor=actor, filters=filters)[offset : offset + page_size + 1])
    return rows[:page_size], len(rows) > page_size


CSV_COLUMNS = (
    "occurred_at",
    "actor_label",
    "actor_role",
    "action",
    "object_type",
    "object_id",
    "patient_id",
    "summary",
    "changes",
    "ip",
    "user_agent",
    "seq",
    "hash",
)


def audit_rows(*, actor: Actor, filters: AuditFilter) -> Iterator[list[str]]:
    """Rows for a CSV export, streamed in chunks so a large export never loads at once."""
    import json

    qs = audit_events(actor=actor, filters=filters).values_list(*CSV_COLUMNS)
    for row in qs.iterator(chunk_size=2000):
        values = dict(zip(CSV_COLUMNS, row, strict=True))
        values["occurred_at"] = values["occurred_at"].isoformat()
        values["changes"] = json.dumps(values["changes"], ensure_ascii=False, sort_keys=True)
        yield ["" if values[c] is None else str(values[c]) for c in CSV_COLUMNS]
