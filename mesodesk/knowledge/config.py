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

TargetKind = Literal["rule", "rule_added", "condition", "setting", "limit", "aftercare"]
TRIGGER_PARAMS = {"months", "years", "within_months", "min_count"}
RULE_FIELDS = {"severity", "overridable", "enabled", "params"}


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


def apply_changes(
    kb: KnowledgeBase, changes: Iterable[Change], clinic_key: str = "clinic"
) -> KnowledgeBase:
    """The knowledge base as the clinic configured it; the version names clinic and revision."""
    rules: dict[str, schema.Rule] = dict(kb.rules)
    disabled: dict[str, schema.Rule] = {}
    conditions = dict(kb.conditions)
    settings = dict(kb.settings)
    ingredients = dict(kb.ingredients)
    aftercare = dict(kb.aftercare)
    revision = 0
    for item in sorted(changes, key=lambda c: c.revision):
        revision = max(revision, item.revision)
        code, change = item.target_code, item.change
        if item.target_kind == "rule":
            base = rules.get(code) or disabled.get(code)
            if base is None:
                continue  # a rule the shipped knowledge no longer has
            if change.get("enabled") is True:
                rules[code] = disabled.pop(code, base)
            updated = _apply_rule(rules.get(code, base), change)
            if updated is None:
                disabled[code] = rules.pop(code, base)
            else:
                rules[code] = updated
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
        elif item.target_kind == "limit":
            ingredient_code, _, index = code.partition("#")
            if ingredient_code in ingredients and index.isdigit():
                ingredient = ingredients[ingredient_code]
                limits = list(ingredient.limits)
                if int(index) < len(limits):
                    limits[int(index)] = limits[int(index)].model_copy(update=dict(change))
                    ingredients[ingredient_code] = ingredient.model_copy(
                        update={"limits": tuple(limits)}
                    )
    if revision == 0:
        return kb
    return dataclasses.replace(
        kb,
        version=f"{kb.version}/{clinic_key}-r{revision}",
        rules=rules,
        conditions=conditions,
        settings=settings,
        ingredients=ingredients,
        aftercare=aftercare,
    )
