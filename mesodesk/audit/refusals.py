"""Refused access (403/404 to a signed-in member) in the audit trail, without flooding it.

Per user, clinic and path, the first refusal of a window is an event at once; repeats within
`AUDIT_REFUSAL_WINDOW_SECONDS` are only counted, and one event carrying their number closes
the window (at the next refusal after it, or when the worker's flush finds it ended).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from mesodesk.accounts.actor import Actor
from mesodesk.audit.choices import AuditAction
from mesodesk.audit.models import AuditEvent, RefusalTally
from mesodesk.audit.services import audit_event_record

PATH_MAX = 200


def _window() -> dt.timedelta:
    return dt.timedelta(seconds=settings.AUDIT_REFUSAL_WINDOW_SECONDS)


def _close(tally: RefusalTally) -> AuditEvent | None:
    """Writes the event for a window's repeats (if any) and forgets the window."""
    event = None
    if tally.repeats:
        event = audit_event_record(
            actor=None,
            action=AuditAction.REFUSED,
            clinic=tally.clinic,
            user=tally.user,
            actor_label=tally.user.email,
            summary=f"{tally.repeats} more refusal(s) of {tally.path}"[:200],
            changes={
                "path": tally.path,
                "status": tally.status,
                "count": tally.repeats,
                "first": tally.window_start,
                "last": tally.last_at,
            },
        )
    tally.delete()
    return event


def refusal_record(*, actor: Actor, path: str, status: int) -> AuditEvent | None:
    """Records one refusal; returns the event written now, or None if it was only counted."""
    if actor.user is None:
        return None
    path, now = path[:PATH_MAX], timezone.now()
    with transaction.atomic():
        tally = (
            RefusalTally.objects.select_for_update()
            .select_related("user", "clinic")
            .filter(clinic=actor.clinic, user=actor.user, path=path)
            .first()
        )
        if tally is not None and now - tally.window_start < _window():
            RefusalTally.objects.filter(pk=tally.pk).update(
                repeats=tally.repeats + 1, last_at=now, status=status
            )
            return None
        if tally is not None:
            _close(tally)
        try:
            with transaction.atomic():
                RefusalTally.objects.create(
                    clinic=actor.clinic,
                    user=actor.user,
                    actor_role=actor.role[:20],
                    path=path,
                    status=status,
                    window_start=now,
                    last_at=now,
                )
        except IntegrityError:
            # A concurrent request opened this window a moment ago: count this one in it.
            return refusal_record(actor=actor, path=path, status=status)
        return audit_event_record(
            actor=actor,
            action=AuditAction.REFUSED,
            summary=f"refused ({status}) {path}"[:200],
            changes={"path": path, "status": status, "count": 1},
        )


def refusals_flush() -> int:
    """Closes every window that has ended; returns the number of events written."""
    ended = timezone.now() - _window()
    written = 0
    for tally in RefusalTally.objects.filter(window_start__lte=ended).select_related(
        "user", "clinic"
    ):
        with transaction.atomic():
            if _close(tally) is not None:
                written += 1
    return written
