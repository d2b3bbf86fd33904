"""Session data for the page and the API: each part of what they show (course progress,
checklist, charted points, live totals) is computed once, and only when asked for."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from django.utils import timezone

from mesodesk.accounts.actor import Actor
from mesodesk.catalog.choices import LotStatus
from mesodesk.catalog.selectors import lot_effective_status
from mesodesk.knowledge.selectors import clinic_knowledge
from mesodesk.sessions import selectors
from mesodesk.sessions.chart import region_counts
from mesodesk.sessions.checklist import (
    ChecklistItem,
    anaesthetic_minutes_elapsed,
    session_checklist,
)
from mesodesk.sessions.choices import SessionStatus
from mesodesk.sessions.course import CourseProgress
from mesodesk.sessions.models import (
    AftercareSheet,
    InjectionPoint,
    SessionAddendum,
    SessionIncident,
    TreatmentSession,
)
from mesodesk.treatments.dosing import Check, DoseReport


@dataclass(frozen=True)
class RecordFlags:
    """What the top of the session page flags on the record: lots that became unusable after
    they were injected, hard limits exceeded (with the reasons given) and the incidents."""

    lots: list[dict[str, str]] = field(default_factory=list)
    over_limit: list[Check] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    incidents: list[SessionIncident] = field(default_factory=list)


class SessionView:
    """What the session page and the API show of a session; each part is computed once, and
    only when it is asked for (front desk asks for the progress alone)."""

    def __init__(self, actor: Actor, session: TreatmentSession) -> None:
        self.actor = actor
        self.session = session

    @cached_property
    def progress(self) -> CourseProgress:
        return selectors.course_progress(self.session, self.actor.clinic.zone)

    @cached_property
    def checklist(self) -> list[ChecklistItem]:
        return session_checklist(self.actor, self.session)

    @cached_property
    def points(self) -> list[InjectionPoint]:
        return selectors.session_points(self.session)

    @cached_property
    def dose(self) -> DoseReport:
        return selectors.session_dose_report(
            actor=self.actor, session=self.session, points=self.points
        )

    @cached_property
    def record_flags(self) -> RecordFlags:
        """Computed from the points and totals the page already read; the incidents are read
        (one query) only when a point carries a reason for going over a limit."""
        session = self.session
        signed = session.status == SessionStatus.SIGNED
        if signed:
            lots = list(session.lot_flags)
        else:
            today = self.actor.today()
            seen: dict[str, dict[str, str]] = {}
            for point in self.points:
                if point.lot is None:
                    continue
                state = lot_effective_status(point.lot, today)
                if state != LotStatus.AVAILABLE:
                    seen[str(point.lot_id)] = {
                        "lot": str(point.lot_id),
                        "lot_number": point.lot.lot_number,
                        "product": point.product.name,
                        "state": state,
                    }
            lots = list(seen.values())
        reasons = list(
            dict.fromkeys(p.over_limit_reason for p in self.points if p.over_limit_reason)
        )
        over = [
            c for c in (*self.dose.checks, *self.dose.notes) if c.hard and c.status == "exceeded"
        ]
        incidents = selectors.session_incidents(session) if signed and reasons else []
        return RecordFlags(lots=lots, over_limit=over, reasons=reasons, incidents=incidents)

    @cached_property
    def regions(self) -> list[tuple[str, int, Decimal]]:
        return region_counts(self.points)

    @cached_property
    def addenda(self) -> list[SessionAddendum]:
        return selectors.session_addenda(self.session)

    @cached_property
    def aftercare(self) -> AftercareSheet | None:
        return selectors.session_aftercare(self.session)

    @cached_property
    def anaesthetic_elapsed(self) -> int | None:
        return anaesthetic_minutes_elapsed(self.session, timezone.now())

    @property
    def anaesthetic_wait(self) -> int | None:
        """Minutes still to wait for the protocol's anaesthetic time (0 when it has passed)."""
        if self.anaesthetic_elapsed is None:
            return None
        return max(0, (self.session.anaesthetic_minutes_required or 0) - self.anaesthetic_elapsed)

    @property
    def duration_minutes(self) -> int | None:
        started, ended = self.session.started_at, self.session.ended_at
        return int((ended - started).total_seconds() // 60) if started and ended else None

    @property
    def antiseptic_label(self) -> str:
        agent = self.session.antisepsis_agent
        antiseptics = clinic_knowledge(self.actor.clinic).antiseptics
        return antiseptics[agent].label if agent in antiseptics else agent
