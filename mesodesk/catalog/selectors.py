"""Reads of the catalog, scoped to the actor's clinic."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, QuerySet, Sum

from mesodesk.accounts.actor import Actor
from mesodesk.accounts.choices import Capability
from mesodesk.catalog.choices import LotStatus, ProtocolStatus
from mesodesk.catalog.models import Lot, Product, ProductComponent, Protocol
from mesodesk.core.errors import ObjectId
from mesodesk.core.lookups import get_in_clinic
from mesodesk.knowledge.selectors import clinic_knowledge


def products_for(actor: Actor, *, active_only: bool = False) -> QuerySet[Product]:
    actor.require(Capability.CATALOG_VIEW)
    qs = Product.objects.filter(clinic=actor.clinic).prefetch_related(
        Prefetch("components", queryset=ProductComponent.objects.select_related("ingredient"))
    )
    return qs.filter(is_active=True) if active_only else qs


def product_get(*, actor: Actor, product_id: ObjectId) -> Product:
    return get_in_clinic(products_for(actor), product_id)


def lots_for(actor: Actor) -> QuerySet[Lot]:
    actor.require(Capability.CATALOG_VIEW)
    return Lot.objects.filter(clinic=actor.clinic).select_related("product")


def lot_get(*, actor: Actor, lot_id: ObjectId) -> Lot:
    return get_in_clinic(lots_for(actor), lot_id)


def lot_effective_status(lot: Lot, on: dt.date) -> str:
    """The status every page and API answer shows: an available lot past its expiry date is
    expired on that day, before the daily job stores it."""
    if lot.status == LotStatus.AVAILABLE and lot.expiry_date < on:
        return LotStatus.EXPIRED
    return lot.status


def lots_usable(*, actor: Actor, product_ids: Sequence[ObjectId] | None = None) -> QuerySet[Lot]:
    """Lots that may be chosen today: available, not expired, something left."""
    qs = lots_for(actor).filter(
        status=LotStatus.AVAILABLE,
        expiry_date__gte=actor.today(),
        quantity_remaining_ml__gt=0,
    )
    if product_ids is not None:
        qs = qs.filter(product_id__in=product_ids)
    return qs.order_by("expiry_date", "lot_number")


def lots_near_expiry(*, actor: Actor) -> QuerySet[Lot]:
    days = clinic_knowledge(actor.clinic).setting("near_expiry_days")
    today = actor.today()
    return lots_usable(actor=actor).filter(expiry_date__lte=today + dt.timedelta(days=days))


@dataclass(frozen=True)
class StockLevel:
    product: Product
    usable_ml: Decimal

    @property
    def low(self) -> bool:
        return self.usable_ml < self.product.reorder_level_ml


def stock_levels(*, actor: Actor) -> list[StockLevel]:
    """Usable stock per active product (one query for the sums)."""
    usable = dict(
        lots_usable(actor=actor)
        .order_by()
        .values("product_id")
        .annotate(total=Sum("quantity_remaining_ml"))
        .values_list("product_id", "total")
    )
    return [
        StockLevel(product, usable.get(product.pk) or Decimal(0))
        for product in products_for(actor, active_only=True)
    ]


def protocols_for(actor: Actor) -> QuerySet[Protocol]:
    actor.require(Capability.CATALOG_VIEW)
    return Protocol.objects.filter(clinic=actor.clinic).order_by("name", "-version")


def protocol_get(*, actor: Actor, protocol_id: ObjectId) -> Protocol:
    return get_in_clinic(protocols_for(actor), protocol_id)


def protocols_published(*, actor: Actor, indication: str = "") -> QuerySet[Protocol]:
    qs = protocols_for(actor).filter(status=ProtocolStatus.PUBLISHED)
    return qs.filter(indication=indication) if indication else qs


def lot_usable(lot: Lot, on: dt.date) -> bool:
    """Whether this lot may be chosen on `on`: the rule `lots_usable` applies in the database
    (available, not expired, something left), for a lot already read."""
    return (
        lot.status == LotStatus.AVAILABLE
        and lot.expiry_date >= on
        and lot.quantity_remaining_ml > 0
    )


def protocol_fits(protocol: Protocol, indication: str) -> bool:
    """Whether a plan for `indication` may use this protocol: the rule
    `protocols_published(indication=…)` applies in the database, for a protocol already read."""
    return protocol.status == ProtocolStatus.PUBLISHED and protocol.indication == indication


def products_by_id(*, clinic_id: ObjectId, product_ids: Iterable[ObjectId]) -> dict[Any, Product]:
    """The clinic's products with these ids, with their composition (two queries)."""
    products = Product.objects.filter(clinic_id=clinic_id, pk__in=set(product_ids))
    return {p.pk: p for p in products.prefetch_related("components__ingredient")}


def lots_by_id(*, clinic_id: ObjectId, lot_ids: Iterable[ObjectId]) -> dict[Any, Lot]:
    """The clinic's lots with these ids (one query)."""
    return {lot.pk: lot for lot in Lot.objects.filter(clinic_id=clinic_id, pk__in=set(lot_ids))}


def product_components() -> QuerySet[ProductComponent]:
    """Product components with their ingredient, for prefetching a mix's composition."""
    return ProductComponent.objects.select_related("ingredient")


def ingredient_codes_of(product_ids: QuerySet[Any] | Iterable[ObjectId]) -> set[str]:
    """The ingredient codes of these products (one query; a subquery of ids is welcome)."""
    return set(
        ProductComponent.objects.filter(product_id__in=product_ids).values_list(
            "ingredient__code", flat=True
        )
    )
