"""Writes of the knowledge base: loading a release, and a clinic's configuration changes.

Tightening a rule needs no reason; loosening an absolute rule, switching a rule off,
changing a parameter or a configurable default does. Rules backed by a label or regulator
source (not `configurable`) can only be tightened.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.db.models import Max
from pydantic import ValidationError

from mesodesk.accounts.actor import Actor
from mesodesk.accounts.choices import Capability
from mesodesk.accounts.models import Clinic
from mesodesk.audit.choices import AuditAction
from mesodesk.audit.services import audit_event_record
from mesodesk.core.errors import FieldErrors, NotFound
from mesodesk.knowledge import schema
from mesodesk.knowledge.config import TRIGGER_PARAMS
from mesodesk.knowledge.loader import KnowledgeBase, knowledge
from mesodesk.knowledge.models import ClinicKnowledgeChange, KnowledgeRelease
from mesodesk.knowledge.selectors import clinic_knowledge

PARAM_BOUNDS = {
    "months": (1, 120),
    "within_months": (1, 120),
    "years": (0, 120),
    "min_count": (1, 20),
}
MIN_REASON = 10


def knowledge_release_load(kb: KnowledgeBase | None = None) -> tuple[KnowledgeRelease, bool]:
    """Stores the shipped knowledge base as a release, once per version (idempotent)."""
    kb = kb or knowledge()
    content = {
        name: {code: entry.model_dump(mode="json") for code, entry in getattr(kb, name).items()}
        for name in (
            "sources",
            "conditions",
            "medication_classes",
            "allergy_groups",
            "body_areas",
            "scales",
            "ingredients",
            "indications",
            "rules",
            "settings",
            "aftercare",
            "adverse_event_terms",
            "severity_grades",
        )
    }
    return KnowledgeRelease.objects.get_or_create(
        version=kb.version, defaults={"reference": kb.reference, "content": content}
    )


def _reason_needed(reason: str, why: str) -> dict[str, list[str]]:
    if len(reason.strip()) < MIN_REASON:
        return {"reason": [f"{why}: give a written reason (at least {MIN_REASON} characters)."]}
    return {}


def _validate_rule_change(
    rule: schema.Rule, change: Mapping[str, Any], reason: str, *, clinic_rule: bool
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    unknown = set(change) - {"severity", "overridable", "enabled", "params"}
    if unknown:
        return {key: ["Not a rule setting."] for key in sorted(unknown)}
    loosens = (
        (rule.severity == "absolute" and change.get("severity") == "relative")
        or (not rule.overridable and change.get("overridable") is True)
        or change.get("enabled") is False
        or bool(change.get("params"))
    )
    if change.get("severity") not in (None, "absolute", "relative"):
        errors["severity"] = ["Choose absolute or relative."]
    if loosens and not (rule.configurable or clinic_rule):
        errors["severity" if "severity" in change else "__all__"] = [
            "This rule rests on a label or regulator source: it can be tightened, not loosened."
        ]
    params = change.get("params") or {}
    for key, value in params.items():
        current = getattr(rule.trigger, key, None)
        low, high = PARAM_BOUNDS.get(key, (0, 0))
        if key not in TRIGGER_PARAMS or current is None:
            errors[f"params.{key}"] = ["This rule has no such parameter."]
        elif not isinstance(value, int) or not low <= value <= high:
            errors[f"params.{key}"] = [f"Choose a whole number from {low} to {high}."]
    if loosens:
        errors |= _reason_needed(reason, "Loosening a rule")
    return errors


def _validate(
    kb: KnowledgeBase, target_kind: str, code: str, change: Mapping[str, Any], reason: str
) -> dict[str, list[str]]:
    if target_kind == "rule":
        rule = kb.rules.get(code)
        if rule is None:
            raise NotFound("No such rule.")
        return _validate_rule_change(rule, change, reason, clinic_rule=code.startswith("CLINIC-"))
    if target_kind == "condition":
        condition = kb.conditions.get(code)
        if condition is None:
            raise NotFound("No such condition.")
        value = change.get("stale_after_days")
        if set(change) != {"stale_after_days"} or not condition.time_sensitive:
            return {
                "stale_after_days": [
                    "Only the re-confirmation period of a time-sensitive condition can change."
                ]
            }
        if not isinstance(value, int) or not 0 <= value <= 365:
            return {"stale_after_days": ["Choose a whole number of days from 0 to 365."]}
        return _reason_needed(reason, "Changing a configurable default")
    if target_kind == "setting":
        setting = kb.settings.get(code)
        if setting is None:
            raise NotFound("No such setting.")
        value = change.get("value")
        if set(change) != {"value"} or not setting.configurable:
            return {"value": ["Only the value of a configurable setting can change."]}
        if not isinstance(value, int) or not 0 <= value <= 10_000:
            return {"value": ["Choose a whole number from 0 to 10000."]}
        return _reason_needed(reason, "Changing a configurable default")
    if target_kind == "aftercare":
        item = kb.aftercare.get(code)
        if item is None:
            raise NotFound("No such aftercare item.")
        value = change.get("hours")
        if set(change) != {"hours"} or item.hours is None or not item.configurable:
            return {"hours": ["Only the duration of a configurable aftercare item can change."]}
        if not isinstance(value, int) or not 0 <= value <= 24 * 60:
            return {"hours": ["Choose a whole number of hours from 0 to 1440."]}
        return _reason_needed(reason, "Changing a configurable default")
    return {"target_kind": [f"Unknown target {target_kind!r}."]}


def _next_revision(clinic: Clinic) -> int:
    Clinic.objects.select_for_update().filter(pk=clinic.pk).first()  # serialise revisions
    current = ClinicKnowledgeChange.objects.filter(clinic=clinic).aggregate(r=Max("revision"))
    return int(current["r"] or 0) + 1


def knowledge_change_record(
    *, actor: Actor, target_kind: str, target_code: str, change: Mapping[str, Any], reason: str = ""
) -> ClinicKnowledgeChange:
    """Records one configuration change for the actor's clinic, validated and audited."""
    actor.require(Capability.CLINIC_MANAGE)
    kb = clinic_knowledge(actor.clinic)
    if errors := _validate(kb, target_kind, target_code, change, reason):
        raise FieldErrors(errors)
    return _record(actor, target_kind, target_code, dict(change), reason, kb)


def knowledge_rule_add(
    *, actor: Actor, rule: Mapping[str, Any], reason: str = ""
) -> ClinicKnowledgeChange:
    """Adds a clinic-defined rule (its id starts with CLINIC-); it is marked configurable."""
    actor.require(Capability.CLINIC_MANAGE)
    kb = clinic_knowledge(actor.clinic)
    data = {**rule, "configurable": True}
    data.setdefault("id", f"CLINIC-{len([r for r in kb.rules if r.startswith('CLINIC-')]) + 1}")
    try:
        parsed = schema.Rule.model_validate(data)
    except ValidationError as exc:
        raise FieldErrors(
            {".".join(str(p) for p in e["loc"]) or "__all__": [e["msg"]] for e in exc.errors()}
        ) from exc
    problems: dict[str, list[str]] = {}
    if not parsed.id.startswith("CLINIC-") or parsed.id in kb.rules:
        problems["id"] = ["A clinic rule id starts with CLINIC- and must be new."]
    for source in parsed.sources:
        if source not in kb.sources:
            problems["sources"] = [f"Unknown source {source!r}."]
    trigger = parsed.trigger
    code = getattr(trigger, "code", "")
    known = {
        "condition": kb.conditions,
        "medication_class": kb.medication_classes,
        "allergy_group": kb.allergy_groups,
    }.get(trigger.kind)
    if known is not None and code not in known:
        problems["trigger.code"] = [f"Unknown {trigger.kind.replace('_', ' ')} {code!r}."]
    if trigger.kind not in {"condition", "medication_class", "allergy_group", "age_below"}:
        problems["trigger.kind"] = [
            "Clinic rules use a condition, a medication class, an allergy group or an age limit."
        ]
    if problems:
        raise FieldErrors(problems)
    return _record(
        actor, "rule_added", parsed.id, {"rule": parsed.model_dump(mode="json")}, reason, kb
    )


def _record(
    actor: Actor,
    target_kind: str,
    code: str,
    change: dict[str, Any],
    reason: str,
    kb: KnowledgeBase,
) -> ClinicKnowledgeChange:
    assert actor.user is not None
    with transaction.atomic():
        record = ClinicKnowledgeChange.objects.create(
            clinic=actor.clinic,
            revision=_next_revision(actor.clinic),
            target_kind=target_kind,
            target_code=code,
            change=change,
            reason=reason.strip(),
            knowledge_version=kb.version,
            changed_by=actor.user,
        )
        audit_event_record(
            actor=actor,
            action=AuditAction.UPDATE if target_kind != "rule_added" else AuditAction.CREATE,
            obj=record,
            summary=f"knowledge {target_kind} {code} (r{record.revision})",
            changes={"change": [None, change], "reason": [None, reason.strip()]},
        )
    return record
