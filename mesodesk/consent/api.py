"""Consent templates and signed consents over the JSON API."""

from __future__ import annotations

import base64
import datetime as dt
import uuid
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema, Status

from mesodesk.accounts.access import request_actor
from mesodesk.audit.choices import AuditAction
from mesodesk.audit.services import audit_event_record
from mesodesk.consent import selectors, services
from mesodesk.consent.models import Consent, ConsentTemplate
from mesodesk.consent.selectors import ConsentState, consent_state
from mesodesk.core.api import ERRORS, PatchSchema
from mesodesk.core.http import pdf_response
from mesodesk.core.schemas import InSchema
from mesodesk.treatments.selectors import plan_get

router = Router(tags=["consent"])


class TemplateIn(InSchema):
    indication: str = Field(max_length=40)
    title: str = Field("", max_length=200)
    introduction: str = Field("", max_length=4000)
    alternatives: str | None = Field(None, max_length=4000)
    withdrawal_text: str | None = Field(None, max_length=2000)
    photo_text: str | None = Field(None, max_length=2000)
    extra_statements: list[str] = Field([], max_length=20)


class TemplatePatch(PatchSchema):
    title: str | None = Field(None, max_length=200)
    introduction: str | None = Field(None, max_length=4000)
    alternatives: str | None = Field(None, max_length=4000)
    withdrawal_text: str | None = Field(None, max_length=2000)
    photo_text: str | None = Field(None, max_length=2000)
    extra_statements: list[str] | None = Field(None, max_length=20)


class ConsentTemplateOut(Schema):
    id: uuid.UUID
    family: uuid.UUID
    version: int
    status: str
    indication: str
    title: str
    introduction: str
    alternatives: str
    withdrawal_text: str
    photo_text: str
    extra_statements: list[str]
    published_at: dt.datetime | None


class StatementOut(Schema):
    key: str
    text: str


class DocumentOut(Schema):
    template_id: uuid.UUID
    title: str
    text: str
    sha256: str
    statements: list[StatementOut]
    photo_question: str


class SignIn(InSchema):
    accepted: list[str] = Field(description="The keys of every statement the patient ticked.")
    photo_consent: bool | None = Field(description="The separate choice about photographs.")
    signer_name: str = Field(max_length=200)
    signature: str = Field(
        max_length=600_000, description="The drawn signature as a data:image/png;base64 URL."
    )
    text_sha256: str = Field(max_length=64, description="The sha256 of the consent document shown.")


class CountersignIn(InSchema):
    password: str = Field(
        "", max_length=256, description="The countersigner's password or signing PIN."
    )


class WithdrawIn(InSchema):
    reason: str = Field(max_length=2000)


class ConsentOut(Schema):
    id: uuid.UUID
    plan_id: uuid.UUID
    patient_id: uuid.UUID
    template_id: uuid.UUID
    template_version: int
    status: str
    valid_for_current_plan: bool
    text_sha256: str
    statements: list[StatementOut]
    accepted: list[str]
    photo_consent: bool
    signer_name: str
    signed_at: dt.datetime
    presented_by: str
    countersigned_by: str | None
    countersigned_at: dt.datetime | None
    reauthenticated_at: dt.datetime | None
    withdrawn_at: dt.datetime | None
    withdrawal_reason: str
    knowledge_version: str


class ConsentDetailOut(ConsentOut):
    rendered_text: str
    signature_png_base64: str


def _template_json(template: ConsentTemplate) -> dict[str, Any]:
    return {name: getattr(template, name) for name in ConsentTemplateOut.model_fields}


def _consent_json(consent: Consent, state: ConsentState, *, detail: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        **{
            name: getattr(consent, name)
            for name in (
                "id",
                "plan_id",
                "patient_id",
                "template_id",
                "status",
                "text_sha256",
                "statements",
                "accepted",
                "photo_consent",
                "signer_name",
                "signed_at",
                "countersigned_at",
                "reauthenticated_at",
                "withdrawn_at",
                "withdrawal_reason",
                "knowledge_version",
            )
        },
        "template_version": consent.template.version,
        "valid_for_current_plan": state.covers(consent),
        "presented_by": consent.presented_by.full_name,
        "countersigned_by": consent.countersigned_by.full_name
        if consent.countersigned_by
        else None,
    }
    if detail:
        out["rendered_text"] = consent.rendered_text
        out["signature_png_base64"] = base64.b64encode(bytes(consent.signature_png)).decode()
    return out


def _consent_out(consent: Consent) -> dict[str, Any]:
    return _consent_json(consent, consent_state(consent.plan), detail=True)


@router.get(
    "/consent-templates",
    response={200: list[ConsentTemplateOut], **ERRORS},
    summary="The clinic's consent templates, every version",
)
def template_list(request: HttpRequest) -> Any:
    return [_template_json(t) for t in selectors.templates_for(request_actor(request))]


@router.post(
    "/consent-templates",
    response={201: ConsentTemplateOut, **ERRORS},
    summary="Draft a consent template for an indication",
)
def template_create(request: HttpRequest, payload: TemplateIn) -> Status[Any]:
    # An empty title means the standard one (the service words it from the indication).
    data = {k: v for k, v in payload.model_dump().items() if k != "indication" and v is not None}
    template = services.consent_template_create(
        actor=request_actor(request), indication=payload.indication, data=data
    )
    return Status(201, _template_json(template))


@router.get(
    "/consent-templates/{template_id}",
    response={200: ConsentTemplateOut, **ERRORS},
    summary="One consent template version",
)
def template_read(request: HttpRequest, template_id: uuid.UUID) -> Any:
    return _template_json(
        selectors.template_get(actor=request_actor(request), template_id=template_id)
    )


@router.patch(
    "/consent-templates/{template_id}",
    response={200: ConsentTemplateOut, **ERRORS},
    summary="Edit a draft (a published version is frozen: 409)",
)
def template_update(request: HttpRequest, template_id: uuid.UUID, payload: TemplatePatch) -> Any:
    template = services.consent_template_update(
        actor=request_actor(request),
        template_id=template_id,
        data={k: v for k, v in payload.model_dump(exclude_unset=True).items() if v is not None},
    )
    return _template_json(template)


@router.post(
    "/consent-templates/{template_id}/publish",
    response={200: ConsentTemplateOut, **ERRORS},
    summary="Publish a draft; the indication's previous version retires",
)
def template_publish(request: HttpRequest, template_id: uuid.UUID) -> Any:
    return _template_json(
        services.consent_template_publish(actor=request_actor(request), template_id=template_id)
    )


@router.post(
    "/consent-templates/{template_id}/versions",
    response={201: ConsentTemplateOut, **ERRORS},
    summary="Start the next version as a draft copy",
)
def template_new_version(request: HttpRequest, template_id: uuid.UUID) -> Status[Any]:
    return Status(
        201,
        _template_json(
            services.consent_template_new_version(
                actor=request_actor(request), template_id=template_id
            )
        ),
    )


@router.get(
    "/plans/{plan_id}/consent-document",
    response={200: DocumentOut, **ERRORS},
    summary="The consent text to present for a plan, with its statements and hash",
)
def consent_document_read(request: HttpRequest, plan_id: uuid.UUID) -> Any:
    actor = request_actor(request)
    plan = plan_get(actor=actor, plan_id=plan_id)
    template, document = selectors.consent_document_for(actor=actor, plan=plan)
    return {
        "template_id": template.pk,
        "title": document.title,
        "text": document.text,
        "sha256": document.sha256,
        "photo_question": document.photo_question,
        "statements": [{"key": s.key, "text": s.text} for s in document.statements],
    }


@router.get(
    "/plans/{plan_id}/consents",
    response={200: list[ConsentOut], **ERRORS},
    summary="A plan's consents, newest first",
)
def consent_list(request: HttpRequest, plan_id: uuid.UUID) -> Any:
    actor = request_actor(request)
    plan = plan_get(actor=actor, plan_id=plan_id)
    state = consent_state(plan)
    return [
        _consent_json(c, state) for c in selectors.consents_of_plan(actor=actor, plan_id=plan.pk)
    ]


@router.post(
    "/plans/{plan_id}/consents",
    response={201: ConsentDetailOut, **ERRORS},
    summary="The patient signs: every statement ticked, a drawn signature",
)
def consent_sign(request: HttpRequest, plan_id: uuid.UUID, payload: SignIn) -> Status[Any]:
    consent = services.consent_sign(
        actor=request_actor(request),
        plan_id=plan_id,
        accepted=payload.accepted,
        photo_consent=payload.photo_consent,
        signer_name=payload.signer_name,
        signature_data_url=payload.signature,
        expected_sha256=payload.text_sha256,
    )
    return Status(201, _consent_out(consent))


@router.get(
    "/consents/{consent_id}",
    response={200: ConsentDetailOut, **ERRORS},
    summary="A consent with the exact text signed and the signature image",
)
def consent_read(request: HttpRequest, consent_id: uuid.UUID) -> Any:
    actor = request_actor(request)
    consent = selectors.consent_get(actor=actor, consent_id=consent_id)
    audit_event_record(
        actor=actor,
        action=AuditAction.READ,
        obj=consent,
        patient_id=consent.patient_id,
        summary="consent",
    )
    return _consent_out(consent)


@router.post(
    "/consents/{consent_id}/countersign",
    response={200: ConsentDetailOut, **ERRORS},
    summary="The practitioner countersigns with their password or PIN; the PDF is stored",
)
def consent_countersign(request: HttpRequest, consent_id: uuid.UUID, payload: CountersignIn) -> Any:
    return _consent_out(
        services.consent_countersign(
            actor=request_actor(request), consent_id=consent_id, secret=payload.password
        )
    )


@router.post(
    "/consents/{consent_id}/withdraw",
    response={200: ConsentDetailOut, **ERRORS},
    summary="Record the patient's withdrawal; no further session may start",
)
def consent_withdraw(request: HttpRequest, consent_id: uuid.UUID, payload: WithdrawIn) -> Any:
    consent = services.consent_withdraw(
        actor=request_actor(request), consent_id=consent_id, reason=payload.reason
    )
    return _consent_out(consent)


@router.get(
    "/consents/{consent_id}/consent.pdf",
    response={200: None, **ERRORS},
    summary="The stored PDF copy of a countersigned consent",
)
def consent_pdf(request: HttpRequest, consent_id: uuid.UUID) -> HttpResponse:
    consent = selectors.consent_with_pdf(actor=request_actor(request), consent_id=consent_id)
    return pdf_response(bytes(consent.pdf or b""), f"consent-{consent.pk}.pdf")
