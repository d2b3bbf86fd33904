"""Catalog pages: ingredients, products, stock (lots) and protocols."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from mesodesk.accounts.access import clinic_view, request_actor
from mesodesk.accounts.actor import Actor
from mesodesk.accounts.choices import Capability
from mesodesk.catalog import selectors, services
from mesodesk.catalog.forms import (
    LotAdjustForm,
    LotReceiveForm,
    LotStatusForm,
    ProductForm,
    ProtocolForm,
)
from mesodesk.catalog.models import Protocol
from mesodesk.catalog.panels import lot_panels
from mesodesk.catalog.services import protocols
from mesodesk.core.errors import Conflict, FieldErrors
from mesodesk.core.htmx import form_add_errors
from mesodesk.knowledge.selectors import clinic_knowledge

# The knowledge base's limit kinds in words, for the ingredients page.
LIMIT_WORDS = {
    "mg_per_session": "mg per session",
    "mg_per_kg": "mg per kg of body weight per session",
    "ml_per_session": "mL per session",
    "ml_per_injection": "mL per injection",
    "injections_per_session": "injections per session",
    "units_per_session": "units per session",
    "min_interval_days": "days at least between sessions",
    "max_sessions": "sessions per course",
    "with_epinephrine": "with epinephrine",
    "without_epinephrine": "without epinephrine",
}


@clinic_view(Capability.CATALOG_VIEW)
def ingredients(request: HttpRequest) -> HttpResponse:
    kb = clinic_knowledge(request_actor(request).clinic)
    return render(
        request,
        "catalog/ingredients.html",
        {"kb": kb, "ingredients": kb.ingredients.values(), "limit_words": LIMIT_WORDS},
    )


@clinic_view(Capability.CATALOG_VIEW)
def products(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    form = ProductForm(request.POST or None)
    if request.method == "POST":
        if not actor.can(Capability.CATALOG_MANAGE):
            raise PermissionDenied("Your role may not add products.")
        if form.is_valid():
            try:
                product = services.product_create(
                    actor=actor, data=form.product_data(), components=form.components()
                )
            except FieldErrors as exc:
                for key, errs in exc.errors.items():
                    form.add_error(form.error_field(key), errs)
            else:
                messages.success(request, f"{product.name} was added to the catalog.")
                return redirect("catalog:products")
    return render(
        request,
        "catalog/products.html",
        {"products": selectors.products_for(actor), "form": form},
        status=400 if form.errors else 200,
    )


@clinic_view(Capability.CATALOG_VIEW)
def stock(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    form = LotReceiveForm(
        request.POST or None, products=selectors.products_for(actor, active_only=True)
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["product_id"] = data["product_id"].pk
        try:
            lot = services.lot_receive(actor=actor, receipt=services.LotReceipt(**data))
        except FieldErrors as exc:
            form_add_errors(form, exc)
        else:
            messages.success(request, f"Lot {lot.lot_number} received.")
            return redirect("catalog:stock")
    today = actor.today()
    lots = [
        (lot, selectors.lot_effective_status(lot, today))
        for lot in selectors.lots_for(actor).order_by("product__name", "expiry_date")[:500]
    ]
    return render(
        request,
        "catalog/stock.html",
        {
            "form": form,
            "lots": lots,
            "levels": selectors.stock_levels(actor=actor),
            "near_expiry": selectors.lots_near_expiry(actor=actor),
            "status_form": LotStatusForm(),
            "near_days": clinic_knowledge(actor.clinic).setting("near_expiry_days"),
        },
        status=400 if form.errors else 200,
    )


@clinic_view(Capability.CATALOG_VIEW)
def lot_detail(request: HttpRequest, lot_id: str) -> HttpResponse:
    """One lot: its state, and the panels higher apps add (sessions: who received it)."""
    actor = request_actor(request)
    lot = selectors.lot_get(actor=actor, lot_id=lot_id)
    return render(
        request,
        "catalog/lot.html",
        {
            "lot": lot,
            "state": selectors.lot_effective_status(lot, actor.today()),
            "lot_panels": lot_panels(),
        },
    )


def _lot_action(request: HttpRequest, form: Any, action: Any) -> HttpResponse:
    if form.is_valid():
        try:
            action(form.cleaned_data)
        except FieldErrors as exc:
            messages.error(request, "; ".join(m for msgs in exc.errors.values() for m in msgs))
        except Conflict as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "Saved.")
    else:
        messages.error(request, "Fill in every field: " + ", ".join(form.errors))
    return redirect("catalog:stock")


@clinic_view(Capability.STOCK_MANAGE)
@require_POST
def lot_adjust(request: HttpRequest, lot_id: str) -> HttpResponse:
    actor = request_actor(request)
    return _lot_action(
        request,
        LotAdjustForm(request.POST),
        lambda d: services.lot_adjust(
            actor=actor, lot_id=lot_id, delta_ml=d["delta_ml"], reason=d["reason"]
        ),
    )


@clinic_view(Capability.STOCK_MANAGE)
@require_POST
def lot_status(request: HttpRequest, lot_id: str) -> HttpResponse:
    actor = request_actor(request)
    return _lot_action(
        request,
        LotStatusForm(request.POST),
        lambda d: services.lot_status_set(
            actor=actor, lot_id=lot_id, status=d["status"], reason=d["reason"]
        ),
    )


@clinic_view(Capability.CATALOG_VIEW)
def protocol_list(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    kb = clinic_knowledge(actor.clinic)
    return render(
        request,
        "catalog/protocols.html",
        {
            "protocols": selectors.protocols_for(actor),
            "templates": kb.protocols.values(),
            "kb": kb,
        },
    )


@clinic_view(Capability.CATALOG_MANAGE)
@require_POST
def protocol_clone(request: HttpRequest) -> HttpResponse:
    try:
        protocol = protocols.protocol_clone(
            actor=request_actor(request), template_code=request.POST.get("template_code", "")
        )
    except FieldErrors as exc:
        messages.error(request, " ".join(m for msgs in exc.errors.values() for m in msgs))
        return redirect("catalog:protocols")
    messages.success(request, "A draft copy was made; adapt it and publish it.")
    return redirect("catalog:protocol", protocol_id=protocol.pk)


@clinic_view(Capability.CATALOG_VIEW)
def protocol_detail(request: HttpRequest, protocol_id: str) -> HttpResponse:
    actor = request_actor(request)
    protocol = selectors.protocol_get(actor=actor, protocol_id=protocol_id)
    form = ProtocolForm(request.POST or None, instance=protocol)
    if request.method == "POST":
        publish = "publish" in request.POST
        try:
            if "new_version" in request.POST:
                draft = protocols.protocol_new_version(actor=actor, protocol_id=protocol.pk)
                return redirect("catalog:protocol", protocol_id=draft.pk)
            if publish and not any(name in request.POST for name in form.fields):
                # A bare publish, without the edit form: the draft is frozen as stored.
                protocols.protocol_publish(actor=actor, protocol_id=protocol.pk)
                messages.success(request, "Published: this version is now frozen.")
                return redirect("catalog:protocol", protocol_id=protocol.pk)
            if form.is_valid():
                if publish:  # what was typed before pressing Publish is what is frozen
                    protocols.protocol_update_and_publish(
                        actor=actor, protocol_id=protocol.pk, data=form.changes()
                    )
                    messages.success(request, "Published: this version is now frozen.")
                else:
                    protocols.protocol_update(
                        actor=actor, protocol_id=protocol.pk, data=form.changes()
                    )
                    messages.success(request, "Saved.")
                return redirect("catalog:protocol", protocol_id=protocol.pk)
        except FieldErrors as exc:
            form_add_errors(form, exc)
        except Conflict as exc:
            messages.error(request, str(exc))
        if publish and form.errors:
            messages.error(request, "Not published: correct the fields below first.")
    return _protocol_page(request, actor, protocol, form)


def _protocol_page(
    request: HttpRequest, actor: Actor, protocol: Protocol, form: ProtocolForm
) -> HttpResponse:
    kb = clinic_knowledge(actor.clinic)
    return render(
        request,
        "catalog/protocol.html",
        {
            "protocol": protocol,
            "form": form,
            "kb": kb,
            "versions": selectors.protocols_for(actor).filter(family=protocol.family),
            "configurable_labels": [
                protocols.FIELD_LABELS.get(f, f).lower() for f in protocol.configurable_fields
            ],
        },
        status=400 if form.errors else 200,
    )
