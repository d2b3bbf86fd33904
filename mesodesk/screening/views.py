"""The chart's screening panel (HTMX), on-demand screening and overrides."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from mesodesk.accounts.access import clinic_view, request_actor
from mesodesk.accounts.choices import Capability
from mesodesk.core.errors import Conflict, FieldErrors
from mesodesk.core.htmx import form_add_errors, is_htmx
from mesodesk.knowledge.selectors import clinic_knowledge
from mesodesk.screening import selectors, services
from mesodesk.screening.forms import OverrideForm, ScreeningRunForm


def _panel(request: HttpRequest, patient_id: str, **extra: object) -> HttpResponse:
    actor = request_actor(request)
    panel = selectors.screening_panel(actor=actor, patient_id=patient_id)
    context = {
        "panel": panel,
        "screening": panel.latest,
        "kb": clinic_knowledge(actor.clinic),
        "override_form": OverrideForm(),
        "run_form": ScreeningRunForm(),
        **extra,
    }
    return render(request, "screening/_panel.html", context)


@clinic_view(Capability.PATIENT_VIEW)
def panel(request: HttpRequest, patient_id: str) -> HttpResponse:
    return _panel(request, patient_id)


@clinic_view(Capability.CLINICAL_VIEW)
@require_POST
def run(request: HttpRequest, patient_id: str) -> HttpResponse:
    form = ScreeningRunForm(request.POST)
    if form.is_valid():
        try:
            services.screening_run(
                actor=request_actor(request),
                patient_id=patient_id,
                indication=form.cleaned_data["indication"],
                areas=form.cleaned_data["areas"],
                ingredients=form.cleaned_data["ingredients"],
            )
        except FieldErrors as exc:
            form_add_errors(form, exc)
    if not is_htmx(request):
        return redirect("patients:chart", patient_id=patient_id)
    return _panel(request, patient_id, run_form=form)


@clinic_view(Capability.SCREENING_OVERRIDE)
@require_POST
def override(request: HttpRequest, screening_id: str) -> HttpResponse:
    actor = request_actor(request)
    form = OverrideForm(request.POST)
    error = ""
    patient_id: uuid.UUID | None = None
    if form.is_valid():
        try:
            done = services.screening_override(
                actor=actor, screening_id=screening_id, reason=form.cleaned_data["reason"]
            )
        except FieldErrors as exc:
            form_add_errors(form, exc)
        except Conflict as exc:
            error = str(exc)
        else:
            patient_id = done.screening.patient_id
    if patient_id is None:  # not overridden: the screening was not read yet
        patient_id = selectors.screening_patient_id(actor=actor, screening_id=screening_id)
    if not is_htmx(request):
        if error or form.errors:
            messages.error(
                request, error or " ".join(str(m) for ms in form.errors.values() for m in ms)
            )
        target = request.POST.get("next", "")
        if target and url_has_allowed_host_and_scheme(
            target, {request.get_host()}, require_https=request.is_secure()
        ):
            return redirect(target)
        return redirect("patients:chart", patient_id=patient_id)
    return _panel(request, str(patient_id), override_form=form, override_error=error)
