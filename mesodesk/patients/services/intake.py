"""Intake links and submissions: send a link, take the patient's answers, accept them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from mesodesk.accounts.actor import Actor
from mesodesk.accounts.choices import Capability
from mesodesk.audit.choices import AuditAction
from mesodesk.audit.services import audit_event_record
from mesodesk.core.errors import Conflict, FieldErrors, ObjectId
from mesodesk.core.lookups import get_in_clinic
from mesodesk.notifications.addresses import email_address_error
from mesodesk.notifications.services import email_queue
from mesodesk.patients.choices import (
    ClinicalStatus,
    FactSource,
    IntakeStatus,
    VerificationStatus,
)
from mesodesk.patients.fields import INTAKE_LINK_TTL_HOURS
from mesodesk.patients.intake import IntakeAnswers, ProposedFact, proposed_facts
from mesodesk.patients.models import (
    Allergy,
    Condition,
    IntakeLink,
    IntakeSubmission,
    Medication,
    Patient,
)
from mesodesk.patients.selectors import (
    IntakeLinkUnusable,
    LinkProblem,
    condition_kind,
    intake_link_resolve,
    intake_url,
)
from mesodesk.patients.services import records as patient_services
from mesodesk.patients.signals import history_batch


@dataclass(frozen=True)
class IssuedLink:
    link: IntakeLink
    url: str


def intake_link_create(
    *,
    actor: Actor,
    patient_id: ObjectId,
    send_to: str = "",
    ttl_hours: int | None = None,
    base_url: str = "",
) -> IssuedLink:
    """Issues a single-use link; with `send_to`, e-mails it through the outbox."""
    actor.require(Capability.INTAKE_SEND)
    hours = ttl_hours if ttl_hours is not None else settings.INTAKE_LINK_TTL_HOURS
    errors: dict[str, list[str]] = {}
    if message := INTAKE_LINK_TTL_HOURS.error(hours):
        errors["ttl_hours"] = [message]
    send_to = send_to.strip().lower()
    if send_to and (problem := email_address_error(send_to)):
        errors["send_to"] = [problem]
    if errors:
        raise FieldErrors(errors)
    with transaction.atomic():
        patient = patient_services.patient_in_clinic(actor, patient_id)
        assert actor.user is not None
        link = IntakeLink.objects.create(
            clinic=actor.clinic,
            patient=patient,
            created_by=actor.user,
            expires_at=timezone.now() + dt.timedelta(hours=hours),
            sent_to=send_to,
        )
        audit_event_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=link,
            patient_id=patient.pk,
            changes={"expires_at": [None, link.expires_at], "sent_to": [None, send_to]},
        )
        url = intake_url(link, base_url)
        if send_to:
            body = render_to_string(
                "patients/email/intake_link.txt",
                {
                    "clinic": actor.clinic,
                    "url": url,
                    "expires_at": link.expires_at,
                    "given_name": patient.given_name,
                },
            )
            email_queue(
                actor=actor,
                to=send_to,
                subject=f"{actor.clinic.name}: your health questionnaire",
                body=body,
                purpose="intake_link",
                patient_id=patient.pk,
                related_type="patients.IntakeLink",
                related_id=link.pk,
            )
    return IssuedLink(link=link, url=url)


def intake_link_revoke(*, actor: Actor, link_id: ObjectId) -> IntakeLink:
    actor.require(Capability.INTAKE_SEND)
    with transaction.atomic():
        link = get_in_clinic(
            IntakeLink.objects.select_for_update().filter(clinic=actor.clinic), link_id
        )
        if link.used_at is not None:
            raise Conflict("The link has already been used.")
        if link.revoked_at is None:
            link.revoked_at = timezone.now()
            link.save(update_fields=["revoked_at", "updated_at"])
            audit_event_record(
                actor=actor,
                action=AuditAction.UPDATE,
                obj=link,
                patient_id=link.patient_id,
                changes={"revoked_at": [None, link.revoked_at]},
            )
    return link


def intake_submit(*, token: str, answers: IntakeAnswers, actor: Actor) -> IntakeSubmission:
    """Stores the patient's answers as a pending intake and spends the link."""
    link = intake_link_resolve(token)
    now = timezone.now()
    with transaction.atomic():
        # The conditional update is what makes the link single-use under concurrency.
        spent = IntakeLink.objects.filter(
            pk=link.pk, used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
        ).update(used_at=now)
        if spent != 1:
            raise IntakeLinkUnusable(LinkProblem.USED)
        submission = IntakeSubmission.objects.create(
            clinic=link.clinic,
            patient_id=link.patient_id,
            link=link,
            answers=answers.model_dump(mode="json"),
        )
        audit_event_record(
            actor=actor,
            action=AuditAction.SUBMIT,
            obj=submission,
            patient_id=link.patient_id,
            summary="intake answers received",
        )
    return submission


def _get_submission(actor: Actor, submission_id: ObjectId) -> IntakeSubmission:
    locked = IntakeSubmission.objects.select_for_update().select_related("patient")
    return get_in_clinic(
        locked.filter(clinic=actor.clinic), submission_id, message="No such intake in this clinic."
    )


def _condition_data(fact: ProposedFact, asserted_on: dt.date) -> dict[str, Any]:
    answer = fact.data
    code = answer["code"]
    kind = condition_kind(code)
    data: dict[str, Any] = {
        "code": code,
        "asserted_on": asserted_on,
        "note": answer.get("detail", ""),
    }
    if kind == "other":
        data["other_text"] = (answer.get("detail") or "")[:200]
        data["note"] = answer.get("detail", "")
        return data
    if answer["answer"] == "no":
        data["verification_status"] = VerificationStatus.REFUTED
        return data
    data["verification_status"] = (
        VerificationStatus.CONFIRMED
        if answer["answer"] == "yes"
        else VerificationStatus.UNCONFIRMED
    )
    when = dt.date.fromisoformat(answer["date"]) if answer.get("date") else None
    if kind == "pregnancy":
        data["expected_date"] = when
    elif kind == "cancer" and answer.get("in_remission"):
        data["clinical_status"] = ClinicalStatus.REMISSION
        data["abatement_date"] = when
    elif when is not None:
        data["onset_date"] = when
    if answer.get("site"):
        data["body_site"] = answer["site"]
    return data


def _accept_fact(actor: Actor, patient: Patient, fact: ProposedFact, asserted_on: dt.date) -> None:
    if fact.kind == "condition":
        data = _condition_data(fact, asserted_on)
        existing = (
            Condition.objects.filter(patient=patient, code=data["code"]).first()
            if data["code"] != "other"
            else None
        )
        if existing is not None:
            patient_services.history_item_update(
                existing, actor=actor, data=data | {"code": existing.code}, source=FactSource.INTAKE
            )
        else:
            patient_services.history_item_create(
                Condition, actor=actor, patient=patient, data=data, source=FactSource.INTAKE
            )
    elif fact.kind == "medication":
        patient_services.history_item_create(
            Medication,
            actor=actor,
            patient=patient,
            data={**fact.data, "asserted_on": asserted_on},
            source=FactSource.INTAKE,
        )
    elif fact.kind == "allergy":
        patient_services.history_item_create(
            Allergy,
            actor=actor,
            patient=patient,
            data={**fact.data, "asserted_on": asserted_on},
            source=FactSource.INTAKE,
        )
    elif fact.kind == "review":
        patient_services.history_list_review(
            actor=actor, patient_id=patient.pk, which=fact.data["which"], on=asserted_on
        )
    elif fact.kind == "measurement":
        update = {k: v for k, v in fact.data.items() if v is not None}
        patient_services.patient_update(
            actor=actor,
            patient_id=patient.pk,
            data={**update, "measured_on": asserted_on},
        )
    elif fact.kind == "profile":
        merged_areas = list(dict.fromkeys([*patient.target_areas, *fact.data["target_areas"]]))
        concerns = "\n".join(c for c in (patient.concerns, fact.data["concerns"]) if c)
        patient_services.patient_update(
            actor=actor,
            patient_id=patient.pk,
            data={"concerns": concerns, "target_areas": merged_areas},
        )


def intake_accept(
    *, actor: Actor, submission_id: ObjectId, accepted_keys: Collection[str]
) -> IntakeSubmission:
    """Moves the chosen facts into the structured history; each records who confirmed it."""
    actor.require(Capability.INTAKE_REVIEW)
    with transaction.atomic():
        submission = _get_submission(actor, submission_id)
        if submission.status != IntakeStatus.PENDING:
            raise Conflict("This intake has already been reviewed.")
        answers = IntakeAnswers.model_validate(submission.answers)
        facts = {fact.key: fact for fact in proposed_facts(answers)}
        unknown = sorted(set(accepted_keys) - set(facts))
        if unknown:
            raise FieldErrors({key: ["Not a fact of this intake."] for key in unknown})
        asserted_on = submission.created_at.astimezone(actor.clinic.zone).date()
        errors: dict[str, list[str]] = {}
        with history_batch():
            for key in facts:
                if key not in accepted_keys:
                    continue
                try:
                    with transaction.atomic():
                        _accept_fact(actor, submission.patient, facts[key], asserted_on)
                except FieldErrors as exc:
                    errors[key] = [f"{field}: {' '.join(m)}" for field, m in exc.errors.items()]
            if errors:
                transaction.set_rollback(True)
                raise FieldErrors(errors)
        submission.status = IntakeStatus.ACCEPTED
        submission.reviewed_by = actor.user
        submission.reviewed_at = timezone.now()
        submission.save(update_fields=["status", "reviewed_by", "reviewed_at", "updated_at"])
        audit_event_record(
            actor=actor,
            action=AuditAction.ACCEPT,
            obj=submission,
            patient_id=submission.patient_id,
            changes={"accepted": [None, sorted(accepted_keys)]},
        )
    return submission


def intake_reject(*, actor: Actor, submission_id: ObjectId, reason: str) -> IntakeSubmission:
    actor.require(Capability.INTAKE_REVIEW)
    reason = reason.strip()
    if not reason:
        raise FieldErrors.single("reason", "Say why the answers are rejected.")
    if len(reason) > 2000:
        raise FieldErrors.single("reason", "Keep the reason under 2000 characters.")
    with transaction.atomic():
        submission = _get_submission(actor, submission_id)
        if submission.status != IntakeStatus.PENDING:
            raise Conflict("This intake has already been reviewed.")
        submission.status = IntakeStatus.REJECTED
        submission.reviewed_by = actor.user
        submission.reviewed_at = timezone.now()
        submission.review_note = reason
        submission.save()
        audit_event_record(
            actor=actor,
            action=AuditAction.REJECT,
            obj=submission,
            patient_id=submission.patient_id,
            changes={"review_note": [None, reason]},
        )
    return submission
