"""Reads of the audit trail (auditors and clinic admins), scoped to the actor's clinic."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from django.db.models import QuerySet

from mesodesk.accounts.actor import Actor
from mesodesk.accounts.choices import Capability
from mesodesk.audit.choices import AuditAction
from mesodesk.audit.models import AuditEvent
from mesodesk.audit.redaction import (
    EventView,
    event_view,
    redact_changes,
    redact_summary,
    shows_clinical_values,
)
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
) -> tuple[list[EventView], bool]:
    """One page of events as this actor may read them (clinical values only with access)."""
    offset = (clamp_page(page) - 1) * page_size
    rows = list(audit_events(actor=actor, filters=filters)[offset : offset + page_size + 1])
    clinical = shows_clinical_values(actor)
    return [event_view(e, clinical=clinical) for e in rows[:page_size]], len(rows) > page_size


AMENDING_ACTIONS = (AuditAction.CREATE, AuditAction.UPDATE, AuditAction.DELETE, AuditAction.ACCEPT)


def clinical_amendments(
    *, actor: Actor, patient_id: uuid.UUID, object_types: Sequence[str], limit: int = 200
) -> list[EventView]:
    """The amendment history of a patient's clinical facts, values included, for clinicians
    (the audit page hides these values from roles without clinical access)."""
    actor.require(Capability.CLINICAL_VIEW)
    events = (
        AuditEvent.objects.filter(
            clinic=actor.clinic,
            patient_id=patient_id,
            object_type__in=list(object_types),
            action__in=AMENDING_ACTIONS,
        )
        .exclude(changes={})
        .order_by("-occurred_at", "-id")[:limit]
    )
    return [event_view(e, clinical=True) for e in events]


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
    """Rows for a CSV export, streamed in chunks so a large export never loads at once;
    clinical values only for an actor with clinical access, as on the page."""
    clinical = shows_clinical_values(actor)
    qs = audit_events(actor=actor, filters=filters).values_list(*CSV_COLUMNS)
    for row in qs.iterator(chunk_size=2000):
        values = dict(zip(CSV_COLUMNS, row, strict=True))
        values["occurred_at"] = values["occurred_at"].isoformat()
        if not clinical:
            values["summary"] = redact_summary(values["object_type"], values["summary"])
            values["changes"] = redact_changes(values["object_type"], values["changes"] or {})
        values["changes"] = json.dumps(values["changes"], ensure_ascii=False, sort_keys=True)
        yield ["" if values[c] is None else str(values[c]) for c in CSV_COLUMNS]
