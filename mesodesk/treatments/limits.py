"""From the clinic's knowledge base and catalog rows to the dosing engine's plain input."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from mesodesk.catalog.models import Product
from mesodesk.knowledge.loader import KnowledgeBase
from mesodesk.treatments.dosing import Component, IngredientSpec, LimitSpec, Line


def ingredient_specs(kb: KnowledgeBase) -> dict[str, IngredientSpec]:
    specs: dict[str, IngredientSpec] = {}
    for ingredient in kb.ingredients.values():
        specs[ingredient.code] = IngredientSpec(
            code=ingredient.code,
            name=ingredient.name,
            unit=ingredient.unit,
            limits=tuple(
                LimitSpec(
                    kind=limit.kind,
                    value=Decimal(str(limit.value)),
                    hard=limit.hard,
                    cap_mg=Decimal(str(limit.cap_mg)) if limit.cap_mg is not None else None,
                    when=limit.when,
                    sources=limit.sources,
                    note=limit.note,
                    configurable=limit.configurable,
                )
                for limit in ingredient.limits
            ),
            do_not_mix=ingredient.do_not_mix,
            increases_absorption_of=ingredient.increases_absorption_of,
            mix_sources=ingredient.sources,
        )
    return specs


def product_components(product: Product) -> tuple[Component, ...]:
    """The product's composition (prefetch `components__ingredient` to keep this query-free)."""
    return tuple(Component(c.ingredient.code, c.amount, c.unit) for c in product.components.all())


def mix_lines(rows: Iterable[tuple[Product, Decimal, str]]) -> tuple[Line, ...]:
    return tuple(
        Line(product.name, product_components(product), volume, area)
        for product, volume, area in rows
    )
