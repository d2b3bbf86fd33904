"""The preparation checklist of a session (a read: nothing here writes). The procedure
starts only when every required item is done; the workflow services ask the same list."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from mesodesk.accounts.actor import Actor
from mesodesk.consent.selectors import ConsentState, consent_state
from mesodesk.knowledge.loader import KnowledgeBase
from mesodesk.knowledge.selectors import clinic_knowledge
from mesodesk.screening.choices import BLOCKING_VERDICTS
from mesodesk.sessions.models import TreatmentSession
from mesodesk.sessions.selectors import session_screening, signed_dates
from mesodesk.treatments.progress import next_window
from mesodesk.treatments.selectors import plan_ingredients

CONSENT_LABEL = "Valid consent for this plan"


def time_sensitive_questions(actor: Actor, session: TreatmentSession) -> list[tuple[str, str, str]]:
    """(code, question, kind) of the facts to re-confirm on the day, for this patient."""
    kb = clinic_knowledge(actor.clinic)
    return [
        (condition.code, condition.patient_question, condition.kind)
        for condition in kb.conditions.values()
        if condition.time_sensitive and _matters_for(kb, condition.code, session.patient.sex)
    ]


def _matters_for(kb: KnowledgeBase, condition: str, sex: str) -> bool:
    """Whether a rule on this condition applies to a patient of this sex (the rules' scope
    says, e.g. pregnancy rules do not apply to men); a condition no rule names is asked."""
    scopes = [
        rule.scope.sexes
        for rule in kb.rules.values()
        if getattr(rule.trigger, "code", None) == condition
    ]
    return not scopes or any(not sexes or sex in sexes for sexes in scopes)


@dataclass(frozen=True)
class ChecklistItem:
    key: str
    label: str
    done: bool
    required: bool
    detail: str = ""
    pending: str = "wait"  # what an optional item that is not done says: wait, check …


def anaesthetic_minutes_elapsed(session: TreatmentSession, now: dt.datetime) -> int | None:
    if session.anaesthetic_applied_at is None:
        return None
    return int((now - session.anaesthetic_applied_at).total_seconds() // 60)


def session_checklist(
    actor: Actor, session: TreatmentSession, consent: ConsentState | None = None
) -> list[ChecklistItem]:
    """The preparation checklist with what is done and what blocks the procedure (pass the
    plan's consent state when it is already read)."""
    now = timezone.now()
    today = actor.today()
    plan = session.plan
    protocol = plan.protocol
    consent = consent if consent is not None else consent_state(plan)
    items = [ChecklistItem("consent", CONSENT_LABEL, consent.valid, True, consent.reason)]
    reconfirmed = (
        session.facts_reconfirmed_at is not None
        and session.facts_reconfirmed_at.astimezone(actor.clinic.zone).date() == today
    )
    items.append(ChecklistItem("facts", "Time-sensitive facts confirmed today", reconfirmed, True))
    screening = session_screening(session)
    overridden = screening is not None and getattr(screening, "override", None) is not None
    screening_ok = (
        reconfirmed
        and screening is not None
        and (screening.verdict not in BLOCKING_VERDICTS or overridden)
    )
    detail = (
        ""
        if screening is None
        else f"{'overridden' if overridden else screening.verdict} at "
        f"{screening.performed_at.astimezone(actor.clinic.zone):%H:%M}"
    )
    items.append(
        ChecklistItem(
            "screening",
            "Today's screening neither contraindicated nor incomplete (or overridden)",
            screening_ok,
            True,
            detail,
        )
    )
    needs_photos = bool(protocol and protocol.photo_views_baseline and session.number == 1)
    items.append(
        ChecklistItem(
            "photos",
            "Baseline photographs taken (" + ", ".join(protocol.photo_views_baseline) + ")"
            if needs_photos and protocol
            else "Baseline photographs",
            session.photos_confirmed_at is not None,
            needs_photos,
            "" if needs_photos else "not required by the protocol for this session",
            pending="not needed",
        )
    )
    items.append(
        ChecklistItem(
            "antisepsis",
            "Skin antisepsis recorded",
            bool(session.antisepsis_agent),
            True,
            session.antisepsis_agent,
        )
    )
    if session.anaesthetic_minutes_required:
        elapsed = anaesthetic_minutes_elapsed(session, now)
        waited = elapsed is not None and elapsed >= session.anaesthetic_minutes_required
        items.append(
            ChecklistItem(
                "anaesthetic",
                f"Topical anaesthetic applied at least "
                f"{session.anaesthetic_minutes_required} minutes before",
                waited,
                False,
                "not applied yet" if elapsed is None else f"{elapsed} minutes so far",
            )
        )
    interval = _interval_item(actor, session, today)
    if interval is not None:
        items.append(interval)
    return items


def _interval_item(actor: Actor, session: TreatmentSession, today: dt.date) -> ChecklistItem | None:
    """Days since the plan's last signed session against the protocol's window (a warning:
    the clinic decides) and against an ingredient's label minimum interval (it blocks)."""
    plan = session.plan
    dates = signed_dates(plan, actor.clinic.zone)
    if not dates:
        return None
    gap = (today - dates[-1]).days
    kb = clinic_knowledge(actor.clinic)
    hard = [
        (int(limit.value), kb.ingredients[code].name, limit.sources)
        for code in plan_ingredients(plan)
        if code in kb.ingredients
        for limit in kb.ingredients[code].limits
        if limit.kind == "min_interval_days" and limit.hard
    ]
    for days, name, sources in sorted(hard, reverse=True):
        if gap < days:
            return ChecklistItem(
                "interval",
                f"At least {days} days since the last session for {name}",
                False,
                True,
                f"only {gap} days ({', '.join(sources)})",
            )
    window = next_window(plan.schedule, dates, plan.planned_sessions)
    if window is None:
        return None
    early = today < window.earliest
    late = window.latest is not None and today > window.latest
    return ChecklistItem(
        "interval",
        f"Inside the protocol's interval (next session {window})",
        not early and not late,
        False,
        f"{gap} days since the last session"
        + (": earlier than the protocol" if early else ": later than the protocol" if late else ""),
        pending="check",
    )
