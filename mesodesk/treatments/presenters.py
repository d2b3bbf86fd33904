"""Plan data for pages and the API: one place computes each part of what they show (dose
check, screening status)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from mesodesk.accounts.actor import Actor
from mesodesk.knowledge.loader import KnowledgeBase
from mesodesk.knowledge.selectors import clinic_knowledge
from mesodesk.screening.models import Screening
from mesodesk.screening.selectors import latest_plan_screening, latest_plan_screenings
from mesodesk.treatments.dosing import DoseInputError, DoseReport
from mesodesk.treatments.models import TreatmentPlan
from mesodesk.treatments.selectors import plan_dose_report


@dataclass(frozen=True)
class PlanView:
    plan: TreatmentPlan
    dose: DoseReport | None
    dose_error: str
    screening: Screening | None

    @property
    def verdict(self) -> str | None:
        if self.screening is None:
            return None
        if getattr(self.screening, "override", None) is not None:
            return "overridden"
        return self.screening.verdict


def _view(
    actor: Actor, plan: TreatmentPlan, screening: Screening | None, kb: KnowledgeBase
) -> PlanView:
    try:
        dose: DoseReport | None = plan_dose_report(actor=actor, plan=plan, kb=kb)
        error = ""
    except DoseInputError as exc:
        dose, error = None, str(exc)
    return PlanView(plan, dose, error, screening)


def plan_view(actor: Actor, plan: TreatmentPlan) -> PlanView:
    latest = latest_plan_screening(clinic_id=actor.clinic.pk, plan_id=plan.pk)
    return _view(actor, plan, latest, clinic_knowledge(actor.clinic))


def plan_views(actor: Actor, plans: list[TreatmentPlan]) -> list[PlanView]:
    """Views of many plans (pass them with their mix prefetched) in constant queries: the
    latest screening of every plan is read at once."""
    latest = latest_plan_screenings(clinic_id=actor.clinic.pk, plan_ids=[p.pk for p in plans])
    kb = clinic_knowledge(actor.clinic)
    return [_view(actor, plan, latest.get(plan.pk), kb) for plan in plans]


CENT = Decimal("0.01")


def rounded(row: dict[str, Any]) -> dict[str, Any]:
    """Amounts to two decimals for display; the check itself used exact arithmetic."""
    return {k: v.quantize(CENT) if isinstance(v, Decimal) else v for k, v in row.items()}


def plan_json(view: PlanView) -> dict[str, Any]:
    plan = view.plan
    dose = view.dose
    return {
        **{
            k: getattr(plan, k)
            for k in (
                "id",
                "patient_id",
                "indication",
                "areas",
                "protocol_id",
                "sessions_planned",
                "topical_anaesthetic_g",
                "status",
                "notes",
                "created_at",
                "activated_at",
            )
        },
        "lines": [
            {
                "id": line.pk,
                "product_id": line.product_id,
                "product_name": line.product.name,
                "volume_ml": line.volume_ml,
                "area": line.area,
            }
            for line in plan.lines.all()
        ],
        "dose": dose_json(dose, view.dose_error),
        "screening_id": view.screening.pk if view.screening else None,
        "screening_verdict": view.verdict,
    }


def dose_json(dose: DoseReport | None, error: str = "") -> dict[str, Any]:
    """A dose report for the API (a mix that cannot be computed is blocked, with its error)."""
    return {
        "blocked": True if dose is None else dose.blocked,
        "error": error,
        "totals": [rounded(dataclasses.asdict(t)) for t in dose.totals] if dose else [],
        "checks": [rounded(dataclasses.asdict(c)) for c in dose.checks] if dose else [],
        "notes": [rounded(dataclasses.asdict(c)) for c in dose.notes] if dose else [],
    }
