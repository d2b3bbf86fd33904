"""From the clinic's knowledge base and catalog rows to the dosing engine's plain input."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from mesodesk.catalog.models import Product
from mesodesk.knowledge.loader import KnowledgeBase
from mesodesk.treatments.dosing import Component, Course, IngredientSpec, LimitSpec, Line
from mesodesk.treatments.models import TreatmentPlan


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


def plan_course(plan: TreatmentPlan) -> Course:
    """What the plan's protocol says about the course, for per-course, interval and
    per-injection limits (a fixed schedule's shortest gap is its minimum interval)."""
    protocol = plan.protocol
    if protocol is None:
        return Course(sessions=plan.planned_sessions)
    gaps = [b - a for a, b in zip(protocol.schedule_days, protocol.schedule_days[1:], strict=False)]
    points = (protocol.points_per_area * len(plan.areas)) if protocol.points_per_area else None
    return Course(
        sessions=plan.planned_sessions,
        min_interval_days=min(gaps) if gaps else protocol.interval_min_days,
        volume_per_point_ml=protocol.volume_per_point_ml,
        points_per_session=points,
    )


def topical_mg(plan: TreatmentPlan, kb: KnowledgeBase) -> dict[str, Decimal]:
    """Lidocaine from the plan's topical anaesthetic cream, when the clinic counts it
    (settings `topical_lidocaine_counts` and `emla_lidocaine_mg_per_g`, S21)."""
    if not plan.topical_anaesthetic_g or not kb.setting("topical_lidocaine_counts"):
        return {}
    return {"lidocaine": plan.topical_anaesthetic_g * kb.setting("emla_lidocaine_mg_per_g")}
