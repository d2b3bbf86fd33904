"""Plan pages: the chart panel, the plan builder with its live dose panel, the summary."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.views.decorators.http import require_POST

from mesodesk.accounts.access import clinic_view, request_actor
from mesodesk.accounts.choices import Capability
from mesodesk.catalog.selectors import products_for, protocols_published
from mesodesk.core.errors import Conflict, FieldErrors
from mesodesk.core.htmx import form_add_errors, is_htmx
from mesodesk.core.http import pdf_response
from mesodesk.knowledge.selectors import clinic_knowledge
from mesodesk.patients.selectors import patient_get
from mesodesk.screening.forms import OverrideForm
from mesodesk.treatments import selectors, services
from mesodesk.treatments.forms import CancelForm, LineForm, PlanForm, VolumeForm
from mesodesk.treatments.models import TreatmentPlan
from mesodesk.treatments.panels import plan_panels
from mesodesk.treatments.presenters import plan_view
from mesodesk.treatments.summary import plan_summary, plan_summary_pdf


@clinic_view(Capability.PATIENT_VIEW)
def panel(request: HttpRequest, patient_id: str) -> HttpResponse:
    actor = request_actor(request)
    patient = patient_get(actor=actor, patient_id=patient_id)
    plans = (
        list(selectors.plans_of_patient(actor=actor, patient_id=patient.pk))
        if actor.can(Capability.PLAN_VIEW)
        else []
    )
    form = (
        PlanForm(protocols=protocols_published(actor=actor))
        if actor.can(Capability.PLAN_EDIT)
        else None
    )
    return render(
        request,
        "treatments/_panel.html",
        {"patient": patient, "plans": plans, "form": form, "kb": clinic_knowledge(actor.clinic)},
    )


@clinic_view(Capability.PLAN_EDIT)
@require_POST
def plan_new(request: HttpRequest, patient_id: str) -> HttpResponse:
    actor = request_actor(request)
    form = PlanForm(request.POST, protocols=protocols_published(actor=actor))
    if form.is_valid():
        try:
            plan = services.plan_create(
                actor=actor, patient_id=patient_id, data=form.data_for_service()
            )
        except FieldErrors as exc:
            form_add_errors(form, exc)
        else:
            return redirect("treatments:plan", plan_id=plan.pk)
    patient = patient_get(actor=actor, patient_id=patient_id)
    return render(
        request, "treatments/plan_new.html", {"form": form, "patient": patient}, status=400
    )


def _plan_or_404(request: HttpRequest, plan_id: str) -> TreatmentPlan:
    return selectors.plan_get(actor=request_actor(request), plan_id=plan_id)


def _builder_context(request: HttpRequest, plan: TreatmentPlan, **extra: Any) -> dict[str, Any]:
    actor = request_actor(request)
    kb = clinic_knowledge(actor.clinic)
    return {
        "plan": plan,
        "view": plan_view(actor, plan),
        "kb": kb,
        "line_form": LineForm(products=products_for(actor, active_only=True), areas=plan.areas),
        "plan_form": PlanForm(
            protocols=protocols_published(actor=actor, indication=plan.indication),
            initial={
                "indication": plan.indication,
                "areas": plan.areas,
                "protocol": plan.protocol_id,
                "sessions_planned": plan.sessions_planned,
                "topical_anaesthetic_g": plan.topical_anaesthetic_g,
                "notes": plan.notes,
            },
        ),
        "cancel_form": CancelForm(),
        "override_form": OverrideForm(),
        "plan_panels": plan_panels(),
        **extra,
    }


@clinic_view(Capability.PLAN_VIEW)
def plan_detail(request: HttpRequest, plan_id: str) -> HttpResponse:
    plan = _plan_or_404(request, plan_id)
    return render(request, "treatments/plan.html", _builder_context(request, plan))


def _mix(request: HttpRequest, plan_id: str, **extra: Any) -> HttpResponse:
    """The mix and its dose panel, and (out of band) the plan's screening panel: a change of
    the mix changes both, so one response refreshes both."""
    plan = selectors.plans_for(request_actor(request)).get(pk=plan_id)
    context = _builder_context(request, plan, **extra)
    if is_htmx(request):
        mix = render_to_string("treatments/_mix.html", context, request=request)
        screening = render_to_string(
            "treatments/_plan_screening.html", {**context, "oob": True}, request=request
        )
        return HttpResponse(mix + screening)
    return redirect("treatments:plan", plan_id=plan_id)


@clinic_view(Capability.PLAN_EDIT)
@require_POST
def line_add(request: HttpRequest, plan_id: str) -> HttpResponse:
    actor = request_actor(request)
    plan = _plan_or_404(request, plan_id)
    form = LineForm(request.POST, products=products_for(actor, active_only=True), areas=plan.areas)
    if form.is_valid():
        try:
            services.mixline_add(
                actor=actor,
                plan_id=plan.pk,
                product_id=form.cleaned_data["product"].pk,
                volume_ml=form.cleaned_data["volume_ml"],
                area=form.cleaned_data["area"] or "",
            )
        except FieldErrors as exc:
            form_add_errors(form, exc)
        except Conflict as exc:
            form.add_error(None, str(exc))
    if form.errors:
        if not is_htmx(request):
            messages.error(
                request,
                "The product was not added: "
                + "; ".join(str(m) for errs in form.errors.values() for m in errs),
            )
        return _mix(request, str(plan.pk), line_form=form)
    return _mix(request, str(plan.pk))


@clinic_view(Capability.PLAN_EDIT)
@require_POST
def line_update(request: HttpRequest, line_id: str) -> HttpResponse:
    actor = request_actor(request)
    line = selectors.mixline_get(actor=actor, line_id=line_id)
    form = VolumeForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            services.mixline_update(
                actor=actor, line_id=line.pk, volume_ml=form.cleaned_data["volume_ml"]
            )
        except FieldErrors as exc:
            error = " ".join(m for msgs in exc.errors.values() for m in msgs)
        except Conflict as exc:
            error = str(exc)
    else:
        error = "Enter a volume between 0.01 and 500 mL."
    return _mix(request, str(line.plan_id), line_error=error)


@clinic_view(Capability.PLAN_EDIT)
@require_POST
def line_remove(request: HttpRequest, line_id: str) -> HttpResponse:
    try:
        plan = services.mixline_remove(actor=request_actor(request), line_id=line_id)
    except Conflict as exc:
        messages.error(request, str(exc))
        return redirect("patients:list")
    return _mix(request, str(plan.pk))


@clinic_view(Capability.PLAN_EDIT)
@require_POST
def plan_edit(request: HttpRequest, plan_id: str) -> HttpResponse:
    actor = request_actor(request)
    plan = _plan_or_404(request, plan_id)
    form = PlanForm(request.POST, protocols=protocols_published(actor=actor))
    if form.is_valid():
        try:
            services.plan_update(actor=actor, plan_id=plan.pk, data=form.data_for_service())
        except FieldErrors as exc:
            form_add_errors(form, exc)
        except Conflict as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Saved.")
            return redirect("treatments:plan", plan_id=plan.pk)
    return render(
        request, "treatments/plan.html", _builder_context(request, plan, plan_form=form), status=400
    )


@clinic_view(Capability.PLAN_EDIT)
@require_POST
def plan_transition(request: HttpRequest, plan_id: str, action: str) -> HttpResponse:
    actor = request_actor(request)
    plan = _plan_or_404(request, plan_id)
    try:
        if action == "activate":
            services.plan_activate(actor=actor, plan_id=plan.pk)
            messages.success(request, "The plan is active.")
        elif action == "complete":
            services.plan_complete(actor=actor, plan_id=plan.pk)
            messages.success(request, "The plan is completed.")
        elif action == "cancel":
            form = CancelForm(request.POST)
            reason = form.cleaned_data["reason"] if form.is_valid() else ""
            services.plan_cancel(actor=actor, plan_id=plan.pk, reason=reason)
            messages.info(request, "The plan was cancelled.")
        else:
            raise Http404
    except FieldErrors as exc:
        for field, errs in exc.errors.items():
            for message in errs:
                messages.error(request, f"{field.replace('_', ' ')}: {message}")
    except Conflict as exc:
        messages.error(request, str(exc))
    return redirect("treatments:plan", plan_id=plan.pk)


@clinic_view(Capability.PLAN_VIEW)
def summary(request: HttpRequest, plan_id: str) -> HttpResponse:
    plan = _plan_or_404(request, plan_id)
    kb = clinic_knowledge(request_actor(request).clinic)
    return render(
        request,
        "treatments/summary.html",
        {"plan": plan, "summary": plan_summary(plan, kb), "kb": kb},
    )


@clinic_view(Capability.PLAN_VIEW)
def summary_pdf(request: HttpRequest, plan_id: str) -> HttpResponse:
    actor = request_actor(request)
    plan = _plan_or_404(request, plan_id)
    pdf = plan_summary_pdf(plan, clinic_knowledge(actor.clinic), actor.clinic.name)
    return pdf_response(pdf, f"plan-summary-{plan.pk}.pdf")
