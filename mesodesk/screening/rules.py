"""Compiles the knowledge base (as a clinic configured it) into the engine's rule set."""

from __future__ import annotations

import threading

from mesodesk.knowledge import schema
from mesodesk.knowledge.allergens import vocabulary
from mesodesk.knowledge.loader import KnowledgeBase
from mesodesk.screening.engine import (
    MEDICATIONS,
    EngineRule,
    IngredientInfo,
    RuleSet,
    Scope,
    SourceRef,
    Trigger,
)


def _source(kb: KnowledgeBase, source_id: str) -> SourceRef:
    source = kb.sources[source_id]
    return SourceRef(
        source.id,
        source.citation,
        source.quality,
        source.urls[0] if source.urls else "",
        applies_to=frozenset(source.applies_to),
    )


def _trigger(trigger: schema.Trigger) -> Trigger:
    data = trigger.model_dump()
    return Trigger(
        kind=data["kind"],
        code=data.get("code", ""),
        clinical_status=frozenset(data.get("clinical_status", ())),
        within_months=data.get("within_months"),
        months=data.get("months", 0),
        min_count=data.get("min_count", 1),
        years=data.get("years", 0),
        allowed_areas=frozenset(data.get("allowed_areas", ())),
        flag=data.get("flag", ""),
    )


def _names(ingredient: schema.Ingredient) -> tuple[str, ...]:
    raw = {ingredient.code.replace("_", " "), *ingredient.synonyms}
    raw.add(ingredient.name.split("(")[0])
    return tuple(sorted({" ".join(n.lower().replace("-", " ").split()) for n in raw if n.strip()}))


_compiled: dict[str, RuleSet] = {}
_lock = threading.Lock()


def _compile(kb: KnowledgeBase) -> RuleSet:
    rules = tuple(
        EngineRule(
            id=rule.id,
            title=rule.shown_title,
            severity=rule.severity,
            overridable=rule.overridable,
            trigger=_trigger(rule.trigger),
            explanation=rule.shown_explanation,
            resolution=rule.shown_resolution,
            sources=tuple(_source(kb, s) for s in rule.sources),
            scope=Scope(
                indications=frozenset(rule.scope.indications),
                areas=frozenset(rule.scope.areas),
                ingredients=frozenset(rule.scope.ingredients),
                sexes=frozenset(rule.scope.sexes),
            ),
            requires_answer=rule.requires_answer,
            topic=rule.topic,
        )
        for rule in sorted(kb.rules.values(), key=lambda r: r.id)
    )
    stale = {
        c.code: c.stale_after_days
        for c in kb.conditions.values()
        if c.time_sensitive and c.stale_after_days is not None
    }
    stale[MEDICATIONS] = kb.setting("medications_stale_after_days")
    return RuleSet(
        version=kb.version,
        rules=rules,
        ingredients={
            i.code: IngredientInfo(
                i.code, i.name, _names(i), frozenset(i.allergy_groups), frozenset(i.flags)
            )
            for i in kb.ingredients.values()
        },
        condition_labels={c.code: c.label for c in kb.conditions.values()},
        stale_after_days=stale,
        group_labels={g.code: g.label for g in kb.allergy_groups.values()},
        area_parents={a.code: a.within for a in kb.body_areas.values() if a.within},
        allergens=vocabulary(kb),
    )


def ruleset_for(kb: KnowledgeBase) -> RuleSet:
    """The compiled rules of a knowledge version; versions name the clinic configuration, so
    each configuration is compiled once per process."""
    ruleset = _compiled.get(kb.version)
    if ruleset is None:
        ruleset = _compile(kb)
        with _lock:
            _compiled[kb.version] = ruleset
    return ruleset
