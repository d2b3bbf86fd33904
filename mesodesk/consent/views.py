"""Consent pages: templates, signing on the clinic tablet, countersigning, the PDF, withdrawal."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from mesodesk.accounts.access import clinic_view, request_actor
from mesodesk.accounts.choices import Capability
from mesodesk.accounts.kiosk import kiosk_lock, kiosk_update
from mesodesk.audit.choices import AuditAction
from mesodesk.audit.services import audit_event_record
from mesodesk.consent import selectors, services
from mesodesk.consent.forms import CountersignForm, SignForm, TemplateForm, WithdrawForm
from mesodesk.consent.models import ConsentTemplate
from mesodesk.consent.selectors import ALREADY_CONSENTED, consent_state, reconsent_reason
from mesodesk.core.errors import Conflict, FieldErrors
from mesodesk.core.htmx import form_add_errors
from mesodesk.core.http import pdf_response
from mesodesk.knowledge.selectors import clinic_knowledge
from mesodesk.treatments.models import TreatmentPlan
from mesodesk.treatments.selectors import plan_for_panel, plan_get


def plan_for_view(actor: Any, plan_id: str) -> TreatmentPlan:
    return plan_get(actor=actor, plan_id=plan_id)


@clinic_view(Capability.PLAN_VIEW)
def sign(request: HttpRequest, plan_id: str) -> HttpResponse:
    actor = request_actor(request)
    plan = plan_for_view(actor, plan_id)
    try:
        _template, document = selectors.consent_document_for(actor=actor, plan=plan)
    except Conflict:
        messages.error(request, "Publish a consent template for this indication first.")
        return redirect("treatments:plan", plan_id=plan.pk)
    sign_url = reverse("consent:sign", kwargs={"plan_id": plan.pk})
    if reconsent_reason(plan, _template) is None and request.method == "GET":
        messages.info(request, ALREADY_CONSENTED)
        return redirect("treatments:plan", plan_id=plan.pk)
    # The patient holds the tablet from here on: only this document until staff unlock it.
    kiosk_lock(
        request,
        allowed=[sign_url],
        return_to=reverse("treatments:plan", kwargs={"plan_id": plan.pk}),
    )
    form = SignForm(
        request.POST or None, document=document, initial={"text_sha256": document.sha256}
    )
    if request.method == "POST" and form.is_valid():
        try:
            consent = services.consent_sign(
                actor=actor,
                plan_id=plan.pk,
                accepted=form.accepted(),
                photo_consent=form.photo(),
                signer_name=form.cleaned_data["signer_name"],
                signature_data_url=form.cleaned_data["signature"],
                expected_sha256=form.cleaned_data["text_sha256"],
            )
        except FieldErrors as exc:
            form_add_errors(form, exc)
        except Conflict as exc:
            form.add_error(None, str(exc))
        else:
            done_url = reverse("consent:kiosk_done", kwargs={"consent_id": consent.pk})
            kiosk_update(
                request,
                allowed=[done_url],
                return_to=reverse("consent:detail", kwargs={"consent_id": consent.pk}),
            )
            return redirect(done_url)
    return render(
        request,
        "consent/sign.html",
        {"plan": plan, "document": document, "form": form},
        status=400 if form.errors else 200,
    )


@clinic_view(Capability.PLAN_VIEW)
def kiosk_done(request: HttpRequest, consent_id: str) -> HttpResponse:
    """The patient's last page on the tablet: thanks, and nothing else to open."""
    consent = selectors.consent_get(actor=request_actor(request), consent_id=consent_id)
    return render(request, "consent/kiosk_done.html", {"consent": consent})


@clinic_view(Capability.PLAN_VIEW)
def detail(request: HttpRequest, consent_id: str) -> HttpResponse:
    return _detail_page(request, consent_id, countersign_form=CountersignForm())


def _detail_page(
    request: HttpRequest, consent_id: str, *, countersign_form: CountersignForm, status: int = 200
) -> HttpResponse:
    actor = request_actor(request)
    consent = selectors.consent_get(actor=actor, consent_id=consent_id)
    audit_event_record(
        actor=actor,
        action=AuditAction.READ,
        obj=consent,
        patient_id=consent.patient_id,
        summary="consent",
    )
    indication = clinic_knowledge(actor.clinic).indications.get(consent.plan.indication)
    return render(
        request,
        "consent/detail.html",
        {
            "consent": consent,
            "withdraw_form": WithdrawForm(),
            "indication_label": indication.label if indication else consent.plan.indication,
            "countersign_form": countersign_form,
        },
        status=status,
    )


@clinic_view(Capability.PLAN_EDIT)
@require_POST
def countersign(request: HttpRequest, consent_id: str) -> HttpResponse:
    form = CountersignForm(request.POST)
    try:
        consent = services.consent_countersign(
            actor=request_actor(request),
            consent_id=consent_id,
            secret=form.cleaned_data["password"] if form.is_valid() else "",
        )
    except FieldErrors as exc:
        form_add_errors(form, exc)
        return _detail_page(request, consent_id, countersign_form=form, status=400)
    except Conflict as exc:
        messages.error(request, str(exc))
        return redirect("consent:detail", consent_id=consent_id)
    messages.success(request, "Countersigned. The consent is complete.")
    return redirect("treatments:plan", plan_id=consent.plan_id)


@clinic_view(Capability.PLAN_VIEW)
@require_POST
def withdraw(request: HttpRequest, consent_id: str) -> HttpResponse:
    form = WithdrawForm(request.POST)
    try:
        consent = services.consent_withdraw(
            actor=request_actor(request),
            consent_id=consent_id,
            reason=form.cleaned_data["reason"] if form.is_valid() else "",
        )
    except (FieldErrors, Conflict) as exc:
        messages.error(request, str(exc))
        return redirect("consent:detail", consent_id=consent_id)
    messages.info(request, "The withdrawal is recorded. No further session can start.")
    return redirect("treatments:plan", plan_id=consent.plan_id)


@clinic_view(Capability.PLAN_VIEW)
def pdf(request: HttpRequest, consent_id: str) -> HttpResponse:
    consent = selectors.consent_with_pdf(actor=request_actor(request), consent_id=consent_id)
    return pdf_response(bytes(consent.pdf or b""), f"consent-{consent.pk}.pdf")


@clinic_view(Capability.CATALOG_MANAGE)
def templates(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    form = TemplateForm(
        request.POST or None,
        initial={
            "alternatives": ConsentTemplate._meta.get_field("alternatives").get_default(),
            "withdrawal_text": ConsentTemplate._meta.get_field("withdrawal_text").get_default(),
            "photo_text": ConsentTemplate._meta.get_field("photo_text").get_default(),
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            template = services.consent_template_create(
                actor=actor,
                indication=form.cleaned_data["indication"],
                data=form.data_for_service(),
            )
        except FieldErrors as exc:
            form_add_errors(form, exc)
        else:
            return redirect("consent:template", template_id=template.pk)
    return render(
        request,
        "consent/templates.html",
        {
            "templates": selectors.templates_for(actor),
            "form": form,
            "kb": clinic_knowledge(actor.clinic),
        },
        status=400 if form.errors else 200,
    )


@clinic_view(Capability.CATALOG_MANAGE)
def template_detail(request: HttpRequest, template_id: str) -> HttpResponse:
    actor = request_actor(request)
    template = selectors.template_get(actor=actor, template_id=template_id)
    initial: dict[str, Any] = {
        name: getattr(template, name)
        for name in (
            "indication",
            "title",
            "introduction",
            "alternatives",
            "withdrawal_text",
            "photo_text",
        )
    }
    initial["extra_statements"] = "\n".join(template.extra_statements or [])
    form = TemplateForm(request.POST or None, initial=initial)
    if request.method == "POST":
        try:
            if "publish" in request.POST:
                services.consent_template_publish(actor=actor, template_id=template.pk)
                messages.success(request, "Published: this version is frozen.")
                return redirect("consent:template", template_id=template.pk)
            if "new_version" in request.POST:
                draft = services.consent_template_new_version(actor=actor, template_id=template.pk)
                return redirect("consent:template", template_id=draft.pk)
            if form.is_valid():
                services.consent_template_update(
                    actor=actor, template_id=template.pk, data=form.data_for_service()
                )
                messages.success(request, "Saved.")
                return redirect("consent:template", template_id=template.pk)
        except FieldErrors as exc:
            form_add_errors(form, exc)
        except Conflict as exc:
            messages.error(request, str(exc))
    return render(
        request,
        "consent/template.html",
        {"template": template, "form": form},
        status=400 if form.errors else 200,
    )


@clinic_view(Capability.PLAN_VIEW)
def plan_panel(request: HttpRequest, plan_id: str) -> HttpResponse:
    """The plan page's consent panel (the page itself audited the read of the plan)."""
    actor = request_actor(request)
    plan = plan_for_panel(actor=actor, plan_id=plan_id)
    state = consent_state(plan)
    template = selectors.template_published(clinic_id=actor.clinic.pk, indication=plan.indication)
    return render(
        request,
        "consent/_plan_panel.html",
        {
            "plan": plan,
            "consent": state.latest,
            "stale": state.stale,
            "template": template,
            "reconsent_reason": reconsent_reason(plan, template),
        },
    )
