"""Patient pages: list with live search, registration, chart, history and intake review."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from django_htmx.http import retarget, trigger_client_event

from mesodesk.accounts.access import clinic_view, request_actor
from mesodesk.accounts.actor import Actor
from mesodesk.accounts.choices import Capability
from mesodesk.core.errors import Conflict, FieldErrors
from mesodesk.core.htmx import form_add_errors, is_htmx, render_page
from mesodesk.core.paging import page_from_query
from mesodesk.knowledge.allergens import vocabulary
from mesodesk.knowledge.loader import knowledge
from mesodesk.knowledge.selectors import clinic_knowledge
from mesodesk.patients import selectors, services
from mesodesk.patients.alerts import age_years, chart_alerts
from mesodesk.patients.forms import (
    AllergyForm,
    ClinicalProfileForm,
    ConditionForm,
    DemographicsForm,
    IntakeLinkForm,
    IntakeRejectForm,
    MedicationForm,
    allergen_suggest_attrs,
    allergen_typed,
    changed_data,
)
from mesodesk.patients.intake import IntakeAnswers, proposed_facts
from mesodesk.patients.models import Allergy, Condition, Medication, Patient
from mesodesk.patients.panels import chart_panels
from mesodesk.patients.selectors import PossibleDuplicate
from mesodesk.patients.services import intake as intake_services

PAGE_SIZE = 25
HISTORY_CHANGED = "history-changed"  # chart panels listen for it and reload themselves


def _page_number(request: HttpRequest) -> int:
    return page_from_query(request.GET)


@clinic_view(Capability.PATIENT_VIEW)
def patient_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:100]
    result = selectors.patient_search(
        actor=request_actor(request), query=query, page=_page_number(request), page_size=PAGE_SIZE
    )
    return render_page(
        request,
        "patients/patient_list.html",
        "patients/_patient_rows.html",
        {"result": result, "query": query},
    )


def _patient_forms(
    request: HttpRequest, patient: Patient | None
) -> tuple[DemographicsForm, ClinicalProfileForm | None]:
    actor = request_actor(request)
    data = request.POST if request.method == "POST" else None
    demographics = DemographicsForm(data, instance=patient, prefix="d")
    clinical = (
        ClinicalProfileForm(data, instance=patient, prefix="c")
        if actor.can(Capability.CLINICAL_EDIT)
        else None
    )
    return demographics, clinical


def _split_errors(
    exc: FieldErrors, demographics: DemographicsForm, clinical: ClinicalProfileForm | None
) -> None:
    for field, msgs in exc.errors.items():
        form: Any = clinical if clinical is not None and field in clinical.fields else demographics
        for message in msgs:
            form.add_error(field if field in form.fields else None, message)


@clinic_view(Capability.PATIENT_EDIT)
def patient_create(request: HttpRequest) -> HttpResponse:
    """Registers a patient; one who looks already registered is shown with links to the
    existing charts, and registering anyway needs a reason."""
    demographics, clinical = _patient_forms(request, None)
    duplicates: list[PossibleDuplicate] = []
    reason = request.POST.get("duplicate_reason", "")[:500] if request.method == "POST" else ""
    if request.method == "POST":
        valid = demographics.is_valid() & (clinical is None or clinical.is_valid())
        if valid:
            data = changed_data(demographics) | (changed_data(clinical) if clinical else {})
            try:
                patient = services.patient_create(
                    actor=request_actor(request), data=data, duplicate_reason=reason
                )
            except services.PossibleDuplicates as exc:
                duplicates = exc.duplicates
            except FieldErrors as exc:
                _split_errors(exc, demographics, clinical)
            else:
                messages.success(request, f"{patient.full_name} was registered.")
                return redirect("patients:chart", patient_id=patient.pk)
    failed = bool(duplicates or demographics.errors or (clinical and clinical.errors))
    return render(
        request,
        "patients/patient_form.html",
        {
            "demographics": demographics,
            "clinical": clinical,
            "patient": None,
            "duplicates": duplicates,
            "duplicate_reason": reason,
        },
        status=409 if duplicates else 400 if failed else 200,
    )


@clinic_view(Capability.PATIENT_EDIT)
def patient_edit(request: HttpRequest, patient_id: str) -> HttpResponse:
    actor = request_actor(request)
    patient = selectors.patient_for_edit(actor=actor, patient_id=patient_id)
    demographics, clinical = _patient_forms(request, patient)
    if request.method == "POST":
        valid = demographics.is_valid() & (clinical is None or clinical.is_valid())
        if valid:
            data = changed_data(demographics) | (changed_data(clinical) if clinical else {})
            try:
                services.patient_update(actor=actor, patient_id=patient.pk, data=data)
            except FieldErrors as exc:
                _split_errors(exc, demographics, clinical)
            else:
                messages.success(request, "Saved.")
                return redirect("patients:chart", patient_id=patient.pk)
    return render(
        request,
        "patients/patient_form.html",
        {"demographics": demographics, "clinical": clinical, "patient": patient},
        status=400 if demographics.errors or (clinical and clinical.errors) else 200,
    )


@clinic_view(Capability.PATIENT_VIEW)
def patient_chart(request: HttpRequest, patient_id: str) -> HttpResponse:
    actor = request_actor(request)
    chart = selectors.patient_chart(actor=actor, patient_id=patient_id)
    kb = knowledge()
    return render(
        request,
        "patients/chart.html",
        {
            "chart": chart,
            "patient": chart.patient,
            "kb": kb,
            "age": age_years(chart.patient.date_of_birth, actor.today()),
            "alerts": chart_alerts(
                kb=kb,
                allergies=chart.allergies,
                conditions=chart.conditions,
                allergies_reviewed_on=chart.patient.allergies_reviewed_on,
            )
            if chart.shows_clinical
            else None,
            "areas": [
                kb.body_areas[a].label for a in chart.patient.target_areas if a in kb.body_areas
            ],
            "link_form": IntakeLinkForm(),
            "panels": chart_panels(),
            "allergy_matches": _allergy_matches(actor, chart.allergies),
        },
    )


@clinic_view(Capability.CLINICAL_VIEW)
def history_changes(request: HttpRequest, patient_id: str) -> HttpResponse:
    """The amendment history of the clinical facts (an HTMX partial under the history)."""
    amendments = selectors.history_amendments(actor=request_actor(request), patient_id=patient_id)
    return render(request, "patients/_history_changes.html", {"amendments": amendments})


def _allergy_matches(actor: Actor, allergies: Iterable[Allergy]) -> dict[Any, str]:
    """What each allergy's text was recognised as (empty: not recognised), by allergy id."""
    words = vocabulary(clinic_knowledge(actor.clinic))
    return {a.pk: ", ".join(words.match(a.substance).matched) for a in allergies if a.substance}


# --- History items (HTMX partials inside the chart) -----------------------------------

HISTORY_KINDS: dict[str, tuple[type[Any], Any, Any, Any, str]] = {
    "condition": (
        Condition,
        ConditionForm,
        services.condition_record,
        services.condition_update,
        "condition_id",
    ),
    "medication": (
        Medication,
        MedicationForm,
        services.medication_record,
        services.medication_update,
        "medication_id",
    ),
    "allergy": (
        Allergy,
        AllergyForm,
        services.allergy_record,
        services.allergy_update,
        "allergy_id",
    ),
}


def _history_context(request: HttpRequest, patient: Patient) -> dict[str, Any]:
    """The history section after a change, with the banner at the top swapped out of band
    so that a new allergy shows there at once."""
    actor = request_actor(request)
    kb = knowledge()
    conditions = list(selectors.conditions_for(actor=actor, patient_id=patient.pk))
    allergies = list(selectors.allergies_for(actor=actor, patient_id=patient.pk))
    return {
        "patient": patient,
        "kb": kb,
        "chart": {
            "conditions": conditions,
            "medications": list(selectors.medications_for(actor=actor, patient_id=patient.pk)),
            "allergies": allergies,
        },
        "allergy_matches": _allergy_matches(actor, allergies),
        "alerts": chart_alerts(
            kb=kb,
            allergies=allergies,
            conditions=conditions,
            allergies_reviewed_on=patient.allergies_reviewed_on,
        ),
        "alerts_oob": True,
    }


@clinic_view(Capability.CLINICAL_EDIT)
def allergen_suggest(request: HttpRequest, patient_id: str) -> HttpResponse:
    """<option>s of the allergen vocabulary for what is typed in a patient's allergy field."""
    actor = request_actor(request)
    selectors.patient_get(actor=actor, patient_id=patient_id)
    return render(
        request,
        "patients/_allergen_options.html",
        {
            "suggestions": vocabulary(clinic_knowledge(actor.clinic)).suggest(
                allergen_typed(request.GET)
            )
        },
    )


@clinic_view(Capability.CLINICAL_EDIT)
def history_item_form(
    request: HttpRequest, patient_id: str, kind: str, item_id: str | None = None
) -> HttpResponse:
    """Add or edit a condition, medication or allergy; answers HTMX with the history section."""
    if kind not in HISTORY_KINDS:
        raise Http404
    actor = request_actor(request)
    model, form_class, record, update, id_kwarg = HISTORY_KINDS[kind]
    patient = selectors.patient_get(actor=actor, patient_id=patient_id)
    instance = (
        selectors.history_item_for_edit(actor=actor, model=model, patient=patient, item_id=item_id)
        if item_id
        else None
    )
    form = form_class(request.POST if request.method == "POST" else None, instance=instance)
    if kind == "allergy":
        form.fields["substance"].widget.attrs.update(
            allergen_suggest_attrs(reverse("patients:allergen_suggest", args=[patient.pk]))
        )
    if request.method == "POST" and form.is_valid():
        data = changed_data(form)
        try:
            if instance is None:
                record(actor=actor, patient_id=patient.pk, data=data)
            else:
                data.pop("code", None)
                update(actor=actor, data=data, **{id_kwarg: instance.pk})
        except FieldErrors as exc:
            form_add_errors(form, exc)
        else:
            if is_htmx(request):
                response = render(
                    request, "patients/_history.html", _history_context(request, patient)
                )
                trigger_client_event(response, HISTORY_CHANGED)
                return retarget(response, "#history")
            messages.success(request, "Saved.")
            return redirect("patients:chart", patient_id=patient.pk)
    context = {"form": form, "patient": patient, "kind": kind, "instance": instance}
    status = 400 if form.errors else 200
    if is_htmx(request) and request.method == "POST" and form.errors:
        # 4xx responses are not swapped by htmx by default; keep 200 so the errors show.
        status = 200
    return render_page(
        request, "patients/history_form.html", "patients/_history_form.html", context, status=status
    )


@clinic_view(Capability.CLINICAL_EDIT)
@require_POST
def list_review(request: HttpRequest, patient_id: str, which: str) -> HttpResponse:
    """Confirms today that the medication or allergy list is complete."""
    actor = request_actor(request)
    try:
        patient = services.history_list_review(actor=actor, patient_id=patient_id, which=which)
    except FieldErrors as exc:
        raise Http404 from exc  # an unknown list name in the URL
    if is_htmx(request):
        response = render(request, "patients/_history.html", _history_context(request, patient))
        return trigger_client_event(response, HISTORY_CHANGED)
    messages.success(request, "Confirmed.")
    return redirect("patients:chart", patient_id=patient.pk)


# --- Intake links and review --------------------------------------------------------------


@clinic_view(Capability.INTAKE_SEND)
@require_POST
def intake_link_create(request: HttpRequest, patient_id: str) -> HttpResponse:
    actor = request_actor(request)
    form = IntakeLinkForm(request.POST)
    issued = None
    if form.is_valid():
        try:
            issued = intake_services.intake_link_create(
                actor=actor,
                patient_id=patient_id,
                send_to=form.cleaned_data["send_to"] or "",
                ttl_hours=form.cleaned_data["ttl_hours"],
                base_url=request.build_absolute_uri("/"),
            )
        except FieldErrors as exc:
            form_add_errors(form, exc)
    context = {"form": form, "issued": issued, "patient_id": patient_id}
    return render_page(
        request,
        "patients/intake_link.html",
        "patients/_intake_link.html",
        context,
        status=200 if issued or is_htmx(request) else 400,
    )


@clinic_view(Capability.INTAKE_REVIEW)
def intake_list(request: HttpRequest) -> HttpResponse:
    pending = list(selectors.intakes_pending(actor=request_actor(request))[:200])
    return render(request, "patients/intake_list.html", {"pending": pending})


@clinic_view(Capability.INTAKE_REVIEW)
def intake_review(request: HttpRequest, submission_id: str) -> HttpResponse:
    actor = request_actor(request)
    submission = selectors.intake_get(actor=actor, submission_id=submission_id)
    facts = proposed_facts(IntakeAnswers.model_validate(submission.answers))
    errors: dict[str, list[str]] = {}
    reject_form = IntakeRejectForm(request.POST if "reject" in request.POST else None)
    if request.method == "POST":
        try:
            if "reject" in request.POST:
                if reject_form.is_valid():
                    intake_services.intake_reject(
                        actor=actor,
                        submission_id=submission.pk,
                        reason=reject_form.cleaned_data["reason"],
                    )
                    messages.info(request, "The intake was rejected.")
                    return redirect("patients:chart", patient_id=submission.patient_id)
            else:
                intake_services.intake_accept(
                    actor=actor,
                    submission_id=submission.pk,
                    accepted_keys=request.POST.getlist("fact"),
                )
                messages.success(request, "The answers were added to the history.")
                return redirect("patients:chart", patient_id=submission.patient_id)
        except FieldErrors as exc:
            errors = exc.errors
        except Conflict as exc:
            messages.error(request, str(exc))
            return redirect(reverse("patients:intake_review", args=[submission.pk]))
    return render(
        request,
        "patients/intake_review.html",
        {"submission": submission, "facts": facts, "errors": errors, "reject_form": reject_form},
        status=400 if errors or reject_form.errors else 200,
    )
