"""Reads of consent templates and consents, scoped to the actor's clinic."""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from mesodesk.accounts.actor import Actor
from mesodesk.accounts.choices import Capability
from mesodesk.consent.choices import ConsentStatus, TemplateStatus
from mesodesk.consent.models import Consent, ConsentTemplate
from mesodesk.core.errors import NotFound, ObjectId
from mesodesk.treatments.models import TreatmentPlan


def templates_for(actor: Actor) -> QuerySet[ConsentTemplate]:
    actor.require(Capability.PLAN_VIEW)
    return ConsentTemplate.objects.filter(clinic=actor.clinic)


def template_get(*, actor: Actor, template_id: ObjectId) -> ConsentTemplate:
    try:
        return templates_for(actor).get(pk=template_id)
    except (ConsentTemplate.DoesNotExist, ValidationError, ValueError) as exc:
        raise NotFound("No such consent template in this clinic.") from exc


def template_published(*, clinic_id: uuid.UUID, indication: str) -> ConsentTemplate | None:
    return ConsentTemplate.objects.filter(
        clinic_id=clinic_id, indication=indication, status=TemplateStatus.PUBLISHED
    ).first()


def consents_of_plan(*, actor: Actor, plan_id: ObjectId) -> QuerySet[Consent]:
    actor.require(Capability.PLAN_VIEW)
    return (
        Consent.objects.filter(clinic=actor.clinic, plan__pk=plan_id)
        .select_related("presented_by", "countersigned_by", "template")
        .defer("signature_png", "pdf")
        .order_by("-signed_at")
    )


def consent_get(*, actor: Actor, consent_id: ObjectId) -> Consent:
    actor.require(Capability.PLAN_VIEW)
    try:
        return Consent.objects.select_related("plan", "patient", "template").get(
            pk=consent_id, clinic=actor.clinic
        )
    except (Consent.DoesNotExist, ValidationError, ValueError) as exc:
        raise NotFound("No such consent in this clinic.") from exc


def consent_latest(plan: TreatmentPlan) -> Consent | None:
    return (
        Consent.objects.filter(clinic_id=plan.clinic_id, plan=plan)
        .defer("signature_png", "pdf", "rendered_text")
        .order_by("-signed_at")
        .first()
    )


def consent_valid(plan: TreatmentPlan) -> Consent | None:
    """The plan's consent if it is countersigned, not withdrawn, and covers this version."""
    latest = consent_latest(plan)
    if latest is None or latest.status != ConsentStatus.SIGNED:
        return None
    if latest.plan_changed_at != plan.content_changed_at:
        return None
    return latest
