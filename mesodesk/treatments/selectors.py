"""Reads of treatment plans, scoped to the actor's clinic, with their dose check."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet

from mesodesk.accounts.actor import Actor
from mesodesk.accounts.choices import Capability
from mesodesk.audit.choices import AuditAction
from mesodesk.audit.services import audit_event_record
from mesodesk.catalog.models import ProductComponent
from mesodesk.core.errors import NotFound, ObjectId
from mesodesk.knowledge.selectors import clinic_knowledge
from mesodesk.treatments.choices import PlanStatus
from mesodesk.treatments.dosing import Course, DoseReport, dose_report
from mesodesk.treatments.limits import ingredient_specs, mix_lines
from mesodesk.treatments.models import MixLine, TreatmentPlan

_LINES = Prefetch(
    "lines",
    queryset=MixLine.objects.select_related("product").prefetch_related(
        Prefetch(
            "product__components", queryset=ProductComponent.objects.select_related("ingredient")
        )
    ),
)


def plans_for(actor: Actor) -> QuerySet[TreatmentPlan]:
    actor.require(Capability.PLAN_VIEW)
    return (
        TreatmentPlan.objects.filter(clinic=actor.clinic)
        .select_related("patient", "protocol", "created_by", "activated_by")
        .prefetch_related(_LINES)
    )


def plans_of_patient(*, actor: Actor, patient_id: ObjectId) -> QuerySet[TreatmentPlan]:
    return plans_for(actor).filter(patient_id=patient_id).order_by("-created_at")


def plan_get(*, actor: Actor, plan_id: ObjectId) -> TreatmentPlan:
    """One plan of the actor's clinic; the read is audited (a plan is part of the chart)."""
    try:
        plan = plans_for(actor).get(pk=plan_id)
    except (TreatmentPlan.DoesNotExist, ValidationError, ValueError) as exc:
        raise NotFound("No such treatment plan in this clinic.") from exc
    audit_event_record(
        actor=actor,
        action=AuditAction.READ,
        obj=plan,
        patient_id=plan.patient_id,
        summary="treatment plan",
    )
    return plan


def plan_ingredients(plan: TreatmentPlan) -> list[str]:
    codes = {c.ingredient.code for line in plan.lines.all() for c in line.product.components.all()}
    return sorted(codes)


def open_plans_of_patient(*, clinic_id: ObjectId, patient_id: ObjectId) -> QuerySet[TreatmentPlan]:
    """Draft and active plans, for re-screening when the patient's record changes."""
    return TreatmentPlan.objects.filter(
        clinic_id=clinic_id, patient_id=patient_id, status__in=[PlanStatus.DRAFT, PlanStatus.ACTIVE]
    ).prefetch_related(_LINES)


def plan_dose_report(*, actor: Actor, plan: TreatmentPlan) -> DoseReport:
    """The mix's totals and limit checks, with the patient's weight and the protocol's course.
    Raises DoseInputError if the mix cannot be computed."""
    kb = clinic_knowledge(actor.clinic)
    lines = mix_lines((line.product, line.volume_ml, line.area) for line in plan.lines.all())
    protocol = plan.protocol
    course = Course()
    if protocol is not None:
        points = (protocol.points_per_area * len(plan.areas)) if protocol.points_per_area else None
        gaps = [
            b - a for a, b in zip(protocol.schedule_days, protocol.schedule_days[1:], strict=False)
        ]
        course = Course(
            sessions=plan.sessions_planned or protocol.sessions,
            min_interval_days=min(gaps) if gaps else protocol.interval_min_days,
            volume_per_point_ml=protocol.volume_per_point_ml,
            points_per_session=points,
        )
    topical: dict[str, Decimal] = {}
    if plan.topical_anaesthetic_g and kb.setting("topical_lidocaine_counts"):
        topical["lidocaine"] = plan.topical_anaesthetic_g * kb.setting("emla_lidocaine_mg_per_g")
    return dose_report(
        lines,
        ingredient_specs(kb),
        weight_kg=plan.patient.weight_kg,
        course=course,
        topical_mg=topical,
    )


def mixline_get(*, actor: Actor, line_id: ObjectId) -> MixLine:
    actor.require(Capability.PLAN_VIEW)
    try:
        return MixLine.objects.select_related("plan").get(pk=line_id, clinic=actor.clinic)
    except (MixLine.DoesNotExist, ValidationError, ValueError) as exc:
        raise NotFound("No such mix line in this clinic.") from exc
