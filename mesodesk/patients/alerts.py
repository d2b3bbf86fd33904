"""What the chart's banner says before anything else: the patient's age, allergies and the
present conditions that a screening rule treats as a contraindication or caution (pure)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from mesodesk.knowledge.loader import KnowledgeBase
from mesodesk.patients.models import Allergy, Condition

_NOT_AN_ALLERGY = {"refuted", "entered-in-error"}
_CONDITION_TRIGGERS = {"condition", "condition_at_site", "remission_within"}


def age_years(date_of_birth: dt.date, today: dt.date) -> int:
    """Whole years between the date of birth and today (a 29 February birthday counts on
    1 March in common years)."""
    had_birthday = (today.month, today.day) >= (date_of_birth.month, date_of_birth.day)
    return today.year - date_of_birth.year - (0 if had_birthday else 1)


@dataclass(frozen=True)
class Alert:
    label: str
    detail: str
    severity: str  # "bad" (allergy, contraindication) or "warn" (caution)


@dataclass(frozen=True)
class ChartAlerts:
    allergies: list[Alert] = field(default_factory=list)
    conditions: list[Alert] = field(default_factory=list)
    allergies_reviewed_on: dt.date | None = None

    @property
    def no_known_allergies(self) -> bool:
        return not self.allergies and self.allergies_reviewed_on is not None


def chart_alerts(
    *,
    kb: KnowledgeBase,
    allergies: list[Allergy],
    conditions: list[Condition],
    allergies_reviewed_on: dt.date | None,
) -> ChartAlerts:
    allergy_alerts = []
    for allergy in allergies:
        if allergy.verification_status in _NOT_AN_ALLERGY:
            continue
        group = kb.allergy_groups.get(allergy.allergy_group)
        label = allergy.substance or (group.label if group else "Allergy")
        words = [allergy.get_severity_display().lower()]
        if allergy.reaction:
            words.append(allergy.reaction)
        allergy_alerts.append(Alert(label=label, detail=", ".join(words), severity="bad"))
    severities: dict[str, set[str]] = {}
    for rule in kb.rules.values():
        code = getattr(rule.trigger, "code", None)
        if rule.trigger.kind in _CONDITION_TRIGGERS and isinstance(code, str):
            severities.setdefault(code, set()).add(rule.severity)
    condition_alerts = []
    for condition in conditions:
        if condition.verification_status != "confirmed" or condition.code not in severities:
            continue
        if condition.clinical_status not in ("active", "remission"):
            continue
        known = kb.conditions.get(condition.code)
        label = condition.other_text or (known.label if known else "Condition")
        absolute = "absolute" in severities[condition.code]
        detail = "contraindication" if absolute else "caution"
        if condition.clinical_status == "remission":
            detail += ", in remission"
        condition_alerts.append(
            Alert(label=label, detail=detail, severity="bad" if absolute else "warn")
        )
    return ChartAlerts(
        allergies=allergy_alerts,
        conditions=condition_alerts,
        allergies_reviewed_on=allergies_reviewed_on,
    )
