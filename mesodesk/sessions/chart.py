"""What the charted points add up to: dose lines per point and injections per region (pure:
no query; the points come with their products from `selectors.session_points`)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from mesodesk.sessions.models import InjectionPoint
from mesodesk.treatments.dosing import InjectionStats, Line
from mesodesk.treatments.limits import product_components


def session_lines(
    points: Sequence[InjectionPoint],
) -> tuple[tuple[Line, ...], dict[str, InjectionStats]]:
    """Dose lines (one per point) and, per ingredient, the injection count and largest one."""
    lines: list[Line] = []
    stats: dict[str, InjectionStats] = {}
    for point in points:
        components = product_components(point.product)
        lines.append(Line(point.product.name, components, point.volume_ml, point.region))
        for component in components:
            seen = stats.get(component.ingredient)
            stats[component.ingredient] = InjectionStats(
                count=(seen.count if seen else 0) + 1,
                max_volume_ml=max(point.volume_ml, seen.max_volume_ml if seen else Decimal(0)),
            )
    return tuple(lines), stats


def region_counts(points: Sequence[InjectionPoint]) -> list[tuple[str, int, Decimal]]:
    """(region label, injections, volume) per region, for the chart."""
    counts: dict[str, tuple[int, Decimal]] = {}
    for point in points:
        label = point.region_label or point.region
        count, volume = counts.get(label, (0, Decimal(0)))
        counts[label] = (count + 1, volume + point.volume_ml)
    return [(label, n, v) for label, (n, v) in sorted(counts.items())]
