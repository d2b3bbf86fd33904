"""The knowledge base pages: what the clinic's rules are, where they come from, and the
clinic admin's configuration of them."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from mesodesk.accounts.access import clinic_view, request_actor
from mesodesk.accounts.choices import Capability
from mesodesk.core.errors import FieldErrors, NotFound
from mesodesk.knowledge import services
from mesodesk.knowledge.forms import AddRuleForm, RuleChangeForm, ValueChangeForm
from mesodesk.knowledge.loader import knowledge
from mesodesk.knowledge.selectors import (
    clinic_configuration,
    clinic_knowledge,
    knowledge_changes,
    knowledge_release_current,
)


@clinic_view()
def overview(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    configured = clinic_configuration(actor.clinic)
    kb = configured.kb
    shipped = knowledge()
    rules = sorted(kb.rules.values(), key=lambda r: (r.severity != "absolute", r.id))
    return render(
        request,
        "knowledge/overview.html",
        {
            "kb": kb,
            "shipped": shipped,
            "rules": rules,
            "disabled": sorted(configured.switched_off.values(), key=lambda r: r.id),
            "release": knowledge_release_current(),
            "changes": list(knowledge_changes(clinic=actor.clinic)[:50]),
            "time_sensitive": [c for c in kb.conditions.values() if c.time_sensitive],
            "aftercare": [a for a in kb.aftercare.values() if a.hours is not None],
        },
    )


@clinic_view()
def sources(request: HttpRequest) -> HttpResponse:
    return render(request, "knowledge/sources.html", {"kb": knowledge()})


@clinic_view(Capability.CLINIC_MANAGE)
def rule_edit(request: HttpRequest, rule_id: str) -> HttpResponse:
    actor = request_actor(request)
    configured = clinic_configuration(actor.clinic)
    switched_off = rule_id in configured.switched_off
    rule = configured.kb.rules.get(rule_id) or configured.switched_off.get(rule_id)
    if rule is None:
        raise NotFound("No such rule.")
    form = RuleChangeForm(request.POST or None, rule=rule, switched_off=switched_off)
    if request.method == "POST" and form.is_valid():
        change = form.change()
        if not change:
            messages.info(request, "Nothing changed.")
            return redirect("knowledge:overview")
        try:
            services.knowledge_change_record(
                actor=actor,
                target_kind="rule",
                target_code=rule_id,
                change=change,
                reason=form.cleaned_data["reason"],
            )
        except FieldErrors as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, "Saved for this clinic. New screenings use it from now on.")
            return redirect("knowledge:overview")
    return render(
        request,
        "knowledge/edit.html",
        {"form": form, "title": rule.shown_title, "entry": rule, "kind": "rule"},
        status=400 if form.errors else 200,
    )


@clinic_view(Capability.CLINIC_MANAGE)
def value_edit(request: HttpRequest, kind: str, code: str) -> HttpResponse:
    kb = clinic_knowledge(request_actor(request).clinic)
    if kind == "condition" and code in kb.conditions:
        entry: object = kb.conditions[code]
        current, key = kb.conditions[code].stale_after_days, "stale_after_days"
        title = f"{kb.conditions[code].label}: re-confirm after (days)"
    elif kind == "setting" and code in kb.settings:
        entry = kb.settings[code]
        current, key, title = kb.settings[code].value, "value", kb.settings[code].label
    elif kind == "aftercare" and code in kb.aftercare and kb.aftercare[code].hours is not None:
        entry = kb.aftercare[code]
        current, key = kb.aftercare[code].hours, "hours"
        title = f"Aftercare: {kb.aftercare[code].text} (hours)"
    else:
        raise NotFound("No such setting.")
    form = ValueChangeForm(request.POST or None, initial={"value": current})
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data["value"] == current:
            messages.info(request, "Nothing changed.")
            return redirect("knowledge:overview")
        try:
            services.knowledge_change_record(
                actor=request_actor(request),
                target_kind=kind,
                target_code=code,
                change={key: form.cleaned_data["value"]},
                reason=form.cleaned_data["reason"],
            )
        except FieldErrors as exc:
            for field, errs in exc.errors.items():
                form.add_error(
                    "value" if field == key else field if field in form.fields else None, errs
                )
        else:
            messages.success(request, "Saved for this clinic.")
            return redirect("knowledge:overview")
    return render(
        request,
        "knowledge/edit.html",
        {"form": form, "title": title, "entry": entry, "kind": kind},
        status=400 if form.errors else 200,
    )


@clinic_view(Capability.CLINIC_MANAGE)
def rule_add(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    form = AddRuleForm(request.POST or None, kb=clinic_knowledge(actor.clinic))
    if request.method == "POST" and form.is_valid():
        try:
            services.knowledge_rule_add(
                actor=actor, rule=form.rule(), reason=form.cleaned_data["reason"]
            )
        except FieldErrors as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, "The rule was added for this clinic.")
            return redirect("knowledge:overview")
    return render(
        request, "knowledge/add_rule.html", {"form": form}, status=400 if form.errors else 200
    )
