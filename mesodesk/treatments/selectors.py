"""Reads of treatment plans and their mix, scoped to the actor's clinic."""

from __future__ import annotations

import uuid

from django.db.models import Prefetch, QuerySet, prefetch_related_objects

from mesodesk.accounts.actor import Actor
from mesodesk.accounts.choices import Capability
from mesodesk.audit.choices import AuditAction
from mesodesk.audit.services import audit_event_record
from mesodesk.catalog.selectors import ingredient_codes_of, product_components
from mesodesk.core.errors import ObjectId
from mesodesk.core.lookups import get_in_clinic
from mesodesk.knowledge.loader import KnowledgeBase
from mesodesk.knowledge.selectors import clinic_knowledge
from mesodesk.treatments.choices import PlanStatus
from mesodesk.treatments.dosing import DoseReport, dose_report
from mesodesk.treatments.limits import ingredient_specs, mix_lines, plan_course, topical_mg
from mesodesk.treatments.models import MixLine, TreatmentPlan

_LINES = Prefetch(
    "lines",
    queryset=MixLine.objects.select_related("product").prefetch_related(
        Prefetch("product__components", queryset=product_components())
    ),
)


def plans_for(actor: Actor) -> QuerySet[TreatmentPlan]:
    actor.require(Capability.PLAN_VIEW)
    return (
        TreatmentPlan.objects.filter(clinic=actor.clinic)
        .select_related("patient", "protocol", "created_by", "activated_by")
        .prefetch_related(_LINES)
    )


def plans_for_scheduling(actor: Actor) -> QuerySet[TreatmentPlan]:
    """Plans as booking and check-in see them (front desk included): the course's shape
    (protocol, sessions, windows), never its mix. Callers show no clinical detail from it."""
    if not (actor.can(Capability.APPOINTMENT_BOOK) or actor.can(Capability.SESSION_CHECK_IN)):
        actor.require(Capability.APPOINTMENT_BOOK)
    return TreatmentPlan.objects.filter(clinic=actor.clinic).select_related("patient", "protocol")


def plans_of_patient(*, actor: Actor, patient_id: ObjectId) -> QuerySet[TreatmentPlan]:
    """A patient's plans (the API list, the chart's plan panel); the read is audited."""
    plans = plans_for(actor).filter(patient_id=patient_id).order_by("-created_at")
    audit_event_record(
        actor=actor,
        action=AuditAction.READ,
        object_type="patients.Patient",
        object_id=uuid.UUID(str(patient_id)),
        patient_id=uuid.UUID(str(patient_id)),
        summary="treatment plans list",
    )
    return plans


def plan_get(*, actor: Actor, plan_id: ObjectId) -> TreatmentPlan:
    """One plan of the actor's clinic; the read is audited (a plan is part of the chart)."""
    plan = get_in_clinic(plans_for(actor), plan_id)
    audit_event_record(
        actor=actor,
        action=AuditAction.READ,
        obj=plan,
        patient_id=plan.patient_id,
        summary="treatment plan",
    )
    return plan


def _with_lines(plan: TreatmentPlan) -> None:
    """Loads the mix with its products' compositions in three queries, unless it is loaded."""
    if "lines" not in getattr(plan, "_prefetched_objects_cache", {}):
        prefetch_related_objects([plan], _LINES)


def plan_for_panel(*, actor: Actor, plan_id: ObjectId) -> TreatmentPlan:
    """A plan for a panel of the plan page: clinic-scoped, without its mix and not audited
    again (the page that loads the panel audited the read)."""
    actor.require(Capability.PLAN_VIEW)
    return get_in_clinic(TreatmentPlan.objects.filter(clinic=actor.clinic), plan_id)


def plan_ingredients(plan: TreatmentPlan) -> list[str]:
    """The ingredient codes of the plan's mix: from its prefetched lines, else one query."""
    if "lines" in getattr(plan, "_prefetched_objects_cache", {}):
        codes = {
            c.ingredient.code for line in plan.lines.all() for c in line.product.components.all()
        }
        return sorted(codes)
    return sorted(ingredient_codes_of(MixLine.objects.filter(plan=plan).values("product_id")))


def open_plans_of_patient(*, clinic_id: ObjectId, patient_id: ObjectId) -> QuerySet[TreatmentPlan]:
    """Draft and active plans, for re-screening when the patient's record changes."""
    return TreatmentPlan.objects.filter(
        clinic_id=clinic_id, patient_id=patient_id, status__in=[PlanStatus.DRAFT, PlanStatus.ACTIVE]
    ).prefetch_related(_LINES)


def plan_dose_report(
    *, actor: Actor, plan: TreatmentPlan, kb: KnowledgeBase | None = None
) -> DoseReport:
    """The mix's totals and limit checks, with the patient's weight and the protocol's course
    (pass the clinic's knowledge base when checking many plans). Raises DoseInputError if the
    mix cannot be computed."""
    kb = kb or clinic_knowledge(actor.clinic)
    _with_lines(plan)
    lines = mix_lines((line.product, line.volume_ml, line.area) for line in plan.lines.all())
    return dose_report(
        lines,
        ingredient_specs(kb),
        weight_kg=plan.patient.weight_kg,
        course=plan_course(plan),
        topical_mg=topical_mg(plan, kb),
    )


def mixline_get(*, actor: Actor, line_id: ObjectId) -> MixLine:
    actor.require(Capability.PLAN_VIEW)
    return get_in_clinic(
        MixLine.objects.select_related("plan").filter(clinic=actor.clinic), line_id
    )


def plan_product_ids(plan: TreatmentPlan) -> list[uuid.UUID]:
    """The products of the plan's mix (from the prefetched lines when there are)."""
    if "lines" in getattr(plan, "_prefetched_objects_cache", {}):
        return list(dict.fromkeys(line.product_id for line in plan.lines.all()))
    return list(MixLine.objects.filter(plan=plan).values_list("product_id", flat=True).distinct())
