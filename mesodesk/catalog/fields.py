"""The input bounds of the catalog, defined once (see `core.fields`).

Protocol numbers are data-entry plausibility bounds, not clinical limits: they catch typing
slips (5000 days for 50) before they reach a plan. What is clinically right for an indication
comes from the protocol templates and their sources in the knowledge base.
"""

from __future__ import annotations

from mesodesk.core.fields import Bound, bound

PROTOCOL_NUMBERS = (
    "sessions",
    "interval_min_days",
    "interval_max_days",
    "points_per_area",
    "anaesthesia_minutes",
    "follow_up_weeks",
    "maintenance_interval_days",
)
PROTOCOL_BOUNDS: dict[str, Bound] = {
    name: bound(f"catalog.protocol.{name}") for name in PROTOCOL_NUMBERS
}
