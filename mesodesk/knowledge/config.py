"""A clinic's configuration of the knowledge base: tightened, loosened or added rules and
changed configurable defaults, applied in order on top of the shipped knowledge (pure).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import ValidationError

from mesodesk.knowledge import schema
from mesodesk.knowledge.loader import KnowledgeBase, KnowledgeError

# The model still accepts "limit" (an ingredient limit) as a target: no service records one, so
# it is not applied here; dropping it from the model's choices needs a migration.
TargetKind = Literal["rule", "rule_added", "condition", "setting", "aftercare"]
TRIGGER_PARAMS = {"months", "years", "within_months", "min_count"}


@dataclass(frozen=True)
class Change:
    """One recorded change (a row of ClinicKnowledgeChange, as plain data)."""

    revision: int
    target_kind: TargetKind
    target_code: str
    change: Mapping[str, Any]


def _apply_rule(rule: schema.Rule, change: Mapping[str, Any]) -> schema.Rule | None:
    if change.get("enabled") is False:
        return None
    update: dict[str, Any] = {k: change[k] for k in ("severity", "overridable") if k in change}
    params = change.get("params") or {}
    if params:
        update["trigger"] = rule.trigger.model_copy(update=dict(params))
    return rule.model_copy(update=update) if update else rule


@dataclass(frozen=True)
class Configured:
    """A clinic's knowledge base, and the rules it switched off (as they were when switched
    off, so switching one back on restores it and is validated against it)."""

    kb: KnowledgeBase
    switched_off: Mapping[str, schema.Rule]


def configure(
    kb: KnowledgeBase, changes: Iterable[Change], clinic_key: str = "clinic"
) -> Configured:
    """The knowledge base as the clinic configured it; the version names clinic and revision."""
    rules: dict[str, schema.Rule] = dict(kb.rules)
    disabled: dict[str, schema.Rule] = {}
    conditions = dict(kb.conditions)
    settings = dict(kb.settings)
    aftercare = dict(kb.aftercare)
    revision = 0
    for item in sorted(changes, key=lambda c: c.revision):
        revision = max(revision, item.revision)
        code, change = item.target_code, item.change
        if item.target_kind == "rule":
            if change.get("enabled") is True and code in disabled:
                rules[code] = disabled.pop(code)  # switched back on, as it was
            if code in rules:
                updated = _apply_rule(rules[code], change)
                if updated is None:
                    disabled[code] = rules.pop(code)
                else:
                    rules[code] = updated
            elif code in disabled:  # a change to a rule that stays off
                disabled[code] = _apply_rule(disabled[code], change) or disabled[code]
            # otherwise: a rule the shipped knowledge no longer has
        elif item.target_kind == "rule_added":
            try:
                rules[code] = schema.Rule.model_validate(change["rule"])
            except (ValidationError, KeyError) as exc:
                raise KnowledgeError(f"clinic rule {code!r} is invalid: {exc}") from exc
        elif item.target_kind == "condition" and code in conditions:
            conditions[code] = conditions[code].model_copy(update=dict(change))
        elif item.target_kind == "setting" and code in settings:
            settings[code] = settings[code].model_copy(update=dict(change))
        elif item.target_kind == "aftercare" and code in aftercare:
            aftercare[code] = aftercare[code].model_copy(update=dict(change))
    if revision == 0:
        return Configured(kb, {})
    configured = dataclasses.replace(
        kb,
        version=f"{kb.version}/{clinic_key}-r{revision}",
        rules=rules,
        conditions=conditions,
        settings=settings,
        aftercare=aftercare,
    )
    return Configured(configured, disabled)
