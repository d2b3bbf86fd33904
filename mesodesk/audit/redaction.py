"""What of an audit event a viewer may read: clinical values only for roles with clinical access.

The trail keeps every value (the chain covers them, and clinicians read the amendment history
of clinical facts on the chart). Clinic admins and auditors review who did what, when: for them
a change shows which fields changed, and its values only for fields on the short list of
non-clinical ones below. The list is an allow-list on purpose: a new field is hidden until
someone decides it is not clinical. Object types are strings, so audit imports no higher app.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mesodesk.accounts.actor import Actor
from mesodesk.accounts.choices import Capability
from mesodesk.audit.models import AuditEvent

HIDDEN = "changed (clinical value hidden)"

# Every field of these apps is non-clinical (staff, catalog, clinic settings, the outbox).
NON_CLINICAL_APPS = frozenset({"accounts", "catalog", "knowledge", "notifications"})

# Non-clinical fields of apps that also hold clinical ones. "" is an event about no object
# (an export's filters).
NON_CLINICAL_FIELDS: dict[str, frozenset[str]] = {
    "": frozenset({"filters", "path", "status", "count", "first", "last"}),
    "patients.Patient": frozenset(
        {
            "given_name",
            "family_name",
            "date_of_birth",
            "sex",
            "email",
            "phone",
            "address",
            "emergency_contact_name",
            "emergency_contact_phone",
            "emergency_contact_relationship",
        }
    ),
    "patients.IntakeLink": frozenset({"expires_at", "used_at", "revoked_at", "sent_to"}),
}

# Summaries of these apps can name a clinical finding ("screening: refer").
CLINICAL_SUMMARY_APPS = frozenset({"screening"})


def _app(object_type: str) -> str:
    return object_type.split(".", 1)[0] if object_type else ""


def value_visible(object_type: str, field: str) -> bool:
    if _app(object_type) in NON_CLINICAL_APPS:
        return True
    return field in NON_CLINICAL_FIELDS.get(object_type, frozenset())


def shows_clinical_values(actor: Actor) -> bool:
    return actor.can(Capability.CLINICAL_VIEW)


@dataclass(frozen=True)
class EventView:
    """An audit event as one viewer may read it."""

    event: AuditEvent
    summary: str
    changes: dict[str, Any]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.event, name)

    @property
    def change_rows(self) -> list[tuple[str, Any, Any, bool]]:
        """(field, before, after, shown) for the page; hidden values show as 'changed'."""
        rows = []
        for name, pair in self.changes.items():
            if pair == HIDDEN:
                rows.append((name, None, None, False))
            elif isinstance(pair, list | tuple) and len(pair) == 2:
                rows.append((name, pair[0], pair[1], True))
            else:
                rows.append((name, None, pair, True))
        return rows


def redact_changes(object_type: str, changes: Mapping[str, Any]) -> dict[str, Any]:
    return {
        name: (value if value_visible(object_type, name) else HIDDEN)
        for name, value in changes.items()
    }


def redact_summary(object_type: str, summary: str) -> str:
    return HIDDEN if summary and _app(object_type) in CLINICAL_SUMMARY_APPS else summary


def event_view(event: AuditEvent, *, clinical: bool) -> EventView:
    if clinical:
        return EventView(event, event.summary, dict(event.changes or {}))
    return EventView(
        event,
        redact_summary(event.object_type, event.summary),
        redact_changes(event.object_type, event.changes or {}),
    )
