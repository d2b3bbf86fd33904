"""Catalog, stock and protocols over the JSON API."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status

from mesodesk.accounts.access import request_actor
from mesodesk.catalog import selectors, services
from mesodesk.catalog.models import Lot, Product
from mesodesk.catalog.schemas import (
    AdjustIn,
    IngredientOut,
    LotIn,
    LotOut,
    LotStatusIn,
    ProductIn,
    ProductOut,
    ProtocolIn,
    ProtocolOut,
    ProtocolPatch,
    ProtocolTemplateOut,
    StockOut,
)
from mesodesk.catalog.services import protocols
from mesodesk.core.api import ERRORS
from mesodesk.knowledge.selectors import clinic_knowledge

router = Router(tags=["catalog"])


def product_out(product: Product) -> dict[str, Any]:
    return {
        **{
            k: getattr(product, k)
            for k in (
                "id",
                "name",
                "kind",
                "manufacturer",
                "presentation",
                "storage_notes",
                "reorder_level_ml",
                "is_active",
            )
        },
        "components": [
            {"ingredient": c.ingredient.code, "amount": c.amount, "unit": c.unit}
            for c in product.components.all()
        ],
    }


def lot_out(lot: Lot, today: dt.date) -> dict[str, Any]:
    """A lot as the API shows it; its status is the effective one on the clinic's today."""
    return {
        **{
            k: getattr(lot, k)
            for k in (
                "id",
                "product_id",
                "lot_number",
                "expiry_date",
                "supplier",
                "received_on",
                "quantity_received_ml",
                "quantity_remaining_ml",
                "status_reason",
            )
        },
        "product_name": lot.product.name,
        "status": selectors.lot_effective_status(lot, today),
    }


@router.get(
    "/ingredients",
    response={200: list[IngredientOut], **ERRORS},
    summary="Ingredients with their limits as this clinic configured them",
)
def ingredient_list(request: HttpRequest) -> Any:
    kb = clinic_knowledge(request_actor(request).clinic)
    return [
        {**i.model_dump(), "limits": [limit.model_dump() for limit in i.limits]}
        for i in kb.ingredients.values()
    ]


@router.get("/products", response={200: list[ProductOut], **ERRORS}, summary="Products")
def product_list(request: HttpRequest) -> Any:
    return [product_out(p) for p in selectors.products_for(request_actor(request))]


@router.post(
    "/products",
    response={201: ProductOut, **ERRORS},
    summary="Create a product with its composition per mL",
)
def product_create(request: HttpRequest, payload: ProductIn) -> Status[Any]:
    actor = request_actor(request)
    data = payload.model_dump(exclude={"components"})
    product = services.product_create(
        actor=actor, data=data, components=[c.model_dump() for c in payload.components]
    )
    return Status(201, product_out(selectors.product_get(actor=actor, product_id=product.pk)))


@router.get("/products/{product_id}", response={200: ProductOut, **ERRORS}, summary="A product")
def product_read(request: HttpRequest, product_id: uuid.UUID) -> Any:
    return product_out(selectors.product_get(actor=request_actor(request), product_id=product_id))


class LotFilter(Schema):
    usable: bool = False
    near_expiry: bool = False
    product_id: uuid.UUID | None = None


@router.get("/lots", response={200: list[LotOut], **ERRORS}, summary="Lots (filterable)")
def lot_list(request: HttpRequest, filters: Query[LotFilter]) -> Any:
    actor = request_actor(request)
    if filters.near_expiry:
        qs = selectors.lots_near_expiry(actor=actor)
    elif filters.usable:
        qs = selectors.lots_usable(actor=actor)
    else:
        qs = selectors.lots_for(actor)
    if filters.product_id:
        qs = qs.filter(product_id=filters.product_id)
    today = actor.today()
    return [lot_out(lot, today) for lot in qs[:500]]


@router.post("/lots", response={201: LotOut, **ERRORS}, summary="Receive stock (a new lot)")
def lot_receive(request: HttpRequest, payload: LotIn) -> Status[Any]:
    actor = request_actor(request)
    lot = services.lot_receive(actor=actor, receipt=services.LotReceipt(**payload.model_dump()))
    return Status(201, lot_out(selectors.lot_get(actor=actor, lot_id=lot.pk), actor.today()))


@router.post(
    "/lots/{lot_id}/adjust",
    response={200: LotOut, **ERRORS},
    summary="Correct a lot's quantity with a reason",
)
def lot_adjust(request: HttpRequest, lot_id: uuid.UUID, payload: AdjustIn) -> Any:
    actor = request_actor(request)
    services.lot_adjust(
        actor=actor, lot_id=lot_id, delta_ml=payload.delta_ml, reason=payload.reason
    )
    return lot_out(selectors.lot_get(actor=actor, lot_id=lot_id), actor.today())


@router.post(
    "/lots/{lot_id}/status",
    response={200: LotOut, **ERRORS},
    summary="Quarantine, release or recall a lot",
)
def lot_status(request: HttpRequest, lot_id: uuid.UUID, payload: LotStatusIn) -> Any:
    actor = request_actor(request)
    services.lot_status_set(
        actor=actor, lot_id=lot_id, status=payload.status, reason=payload.reason
    )
    return lot_out(selectors.lot_get(actor=actor, lot_id=lot_id), actor.today())


@router.get(
    "/stock",
    response={200: list[StockOut], **ERRORS},
    summary="Usable stock per product, with low-stock flags",
)
def stock(request: HttpRequest) -> Any:
    return [
        {
            "product_id": s.product.pk,
            "product_name": s.product.name,
            "usable_ml": s.usable_ml.quantize(Decimal("0.01")),
            "reorder_level_ml": s.product.reorder_level_ml,
            "low": s.low,
        }
        for s in selectors.stock_levels(actor=request_actor(request))
    ]


@router.get(
    "/protocol-templates",
    response={200: list[ProtocolTemplateOut], **ERRORS},
    summary="Published study and label protocols to clone",
)
def templates(request: HttpRequest) -> Any:
    kb = clinic_knowledge(request_actor(request).clinic)
    return [t.model_dump() for t in kb.protocols.values()]


@router.get("/protocols", response={200: list[ProtocolOut], **ERRORS}, summary="Protocols")
def protocol_list(request: HttpRequest) -> Any:
    return list(selectors.protocols_for(request_actor(request)))


@router.post(
    "/protocols",
    response={201: ProtocolOut, **ERRORS},
    summary="Clone a template into a draft protocol",
)
def protocol_clone(request: HttpRequest, payload: ProtocolIn) -> Status[Any]:
    return Status(
        201,
        protocols.protocol_clone(actor=request_actor(request), template_code=payload.template_code),
    )


@router.get(
    "/protocols/{protocol_id}", response={200: ProtocolOut, **ERRORS}, summary="A protocol version"
)
def protocol_read(request: HttpRequest, protocol_id: uuid.UUID) -> Any:
    return selectors.protocol_get(actor=request_actor(request), protocol_id=protocol_id)


@router.patch(
    "/protocols/{protocol_id}",
    response={200: ProtocolOut, **ERRORS},
    summary="Change a draft protocol",
)
def protocol_update(request: HttpRequest, protocol_id: uuid.UUID, payload: ProtocolPatch) -> Any:
    return protocols.protocol_update(
        actor=request_actor(request),
        protocol_id=protocol_id,
        data=payload.model_dump(exclude_unset=True),
    )


@router.post(
    "/protocols/{protocol_id}/publish",
    response={200: ProtocolOut, **ERRORS},
    summary="Publish (freeze) a draft",
)
def protocol_publish(request: HttpRequest, protocol_id: uuid.UUID) -> Any:
    return protocols.protocol_publish(actor=request_actor(request), protocol_id=protocol_id)


@router.post(
    "/protocols/{protocol_id}/new-version",
    response={201: ProtocolOut, **ERRORS},
    summary="Start the next version of a published protocol",
)
def protocol_new_version(request: HttpRequest, protocol_id: uuid.UUID) -> Status[Any]:
    return Status(
        201, protocols.protocol_new_version(actor=request_actor(request), protocol_id=protocol_id)
    )
