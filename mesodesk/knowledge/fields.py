"""The input bounds of a clinic's knowledge-base configuration, defined once (`core.fields`)."""

from __future__ import annotations

from mesodesk.core.fields import Bound, bound

# A rule parameter a clinic may change, and its range.
RULE_PARAM_BOUNDS: dict[str, Bound] = {
    name: bound(f"knowledge.rule.{name}")
    for name in ("months", "within_months", "years", "min_count")
}
STALE_AFTER_DAYS = bound("knowledge.condition.stale_after_days")
SETTING_VALUE = bound("knowledge.setting.value")
AFTERCARE_HOURS = bound("knowledge.aftercare.hours")
