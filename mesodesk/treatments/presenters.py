"""Plan data for pages and the API: one place computes the dose check and screening status."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from mesodesk.accounts.actor import Actor
from mesodesk.screening.models import Screening
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


def plan_view(actor: Actor, plan: TreatmentPlan) -> PlanView:
    try:
        dose: DoseReport | None = plan_dose_report(actor=actor, plan=plan)
        error = ""
    except DoseInputError as exc:
        dose, error = None, str(exc)
    screening = (
        Screening.objects.filter(clinic=actor.clinic, plan_id=plan.pk)
        .select_related("override", "override__overridden_by", "performed_by")
        .order_by("-performed_at")
        .first()
    )
    return PlanView(plan, dose, error, screening)


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
        "dose": {
            "blocked": True if dose is None else dose.blocked,
            "error": view.dose_error,
            "totals": [rounded(dataclasses.asdict(t)) for t in dose.totals] if dose else [],
            "checks": [rounded(dataclasses.asdict(c)) for c in dose.checks] if dose else [],
            "notes": [rounded(dataclasses.asdict(c)) for c in dose.notes] if dose else [],
        },
        "screening_id": view.screening.pk if view.screening else None,
        "screening_verdict": view.verdict,
    }
