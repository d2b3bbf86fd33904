"""Writes of the knowledge base: loading a release, and a clinic's configuration changes.

Tightening a rule needs no reason; loosening an absolute rule, switching a rule off,
changing a parameter or a configurable default does. Rules backed by a label or regulator
source (not `configurable`) can only be tightened.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.db.models import Max
from pydantic import ValidationError

from mesodesk.accounts.actor import Actor
from mesodesk.accounts.choices import Capability
from mesodesk.accounts.models import Clinic
from mesodesk.accounts.selectors import clinic_lock
from mesodesk.audit.choices import AuditAction
from mesodesk.audit.services import audit_event_record
from mesodesk.core.errors import FieldErrors, NotFound
from mesodesk.knowledge import schema
from mesodesk.knowledge.config import TRIGGER_PARAMS, Configured
from mesodesk.knowledge.fields import (
    AFTERCARE_HOURS,
    RULE_PARAM_BOUNDS,
    SETTING_VALUE,
    STALE_AFTER_DAYS,
)
from mesodesk.knowledge.loader import KnowledgeBase, knowledge, rule_reference_errors
from mesodesk.knowledge.models import ClinicKnowledgeChange, KnowledgeRelease
from mesodesk.knowledge.reasons import reason_error
from mesodesk.knowledge.selectors import clinic_configuration

RULE_SETTINGS = {"severity", "overridable", "enabled", "params"}
CLINIC_RULE_TRIGGERS = {"condition", "medication_class", "allergy_group", "age_below"}


def knowledge_release_load(kb: KnowledgeBase | None = None) -> tuple[KnowledgeRelease, bool]:
    """Stores the shipped knowledge base as a release, once per version (idempotent)."""
    kb = kb or knowledge()
    content = {
        field.name: {
            code: entry.model_dump(mode="json") for code, entry in getattr(kb, field.name).items()
        }
        for field in dataclasses.fields(kb)
        if isinstance(getattr(kb, field.name), Mapping)  # every collection; not the version
    }
    return KnowledgeRelease.objects.get_or_create(
        version=kb.version, defaults={"reference": kb.reference, "content": content}
    )


def _reason_needed(reason: str, why: str) -> dict[str, list[str]]:
    message = reason_error(reason, why)
    return {"reason": [message]} if message else {}


def _validate_rule_change(
    rule: schema.Rule, change: Mapping[str, Any], reason: str, *, clinic_rule: bool
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    unknown = set(change) - RULE_SETTINGS
    if unknown:
        return {key: ["Not a rule setting."] for key in sorted(unknown)}
    for key in ("overridable", "enabled"):
        if key in change and not isinstance(change[key], bool):
            errors[key] = ["Choose yes or no."]
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
        spec = RULE_PARAM_BOUNDS.get(key)
        if key not in TRIGGER_PARAMS or current is None or spec is None:
            errors[f"params.{key}"] = ["This rule has no such parameter."]
        elif message := spec.error(value):
            errors[f"params.{key}"] = [message]
    if loosens:
        errors |= _reason_needed(reason, "Loosening a rule")
    return errors


def _validate_default(
    kb: KnowledgeBase, target_kind: str, code: str, change: Mapping[str, Any]
) -> dict[str, list[str]]:
    """A configurable default's one changeable number: a condition's re-confirmation period,
    a setting's value or an aftercare item's hours."""
    if target_kind == "condition":
        condition = kb.conditions.get(code)
        if condition is None:
            raise NotFound("No such condition.")
        key, spec, allowed = "stale_after_days", STALE_AFTER_DAYS, condition.time_sensitive
        refusal = "Only the re-confirmation period of a time-sensitive condition can change."
    elif target_kind == "setting":
        setting = kb.settings.get(code)
        if setting is None:
            raise NotFound("No such setting.")
        key, spec, allowed = "value", SETTING_VALUE, setting.configurable
        refusal = "Only the value of a configurable setting can change."
    else:
        item = kb.aftercare.get(code)
        if item is None:
            raise NotFound("No such aftercare item.")
        key, spec, allowed = "hours", AFTERCARE_HOURS, item.hours is not None and item.configurable
        refusal = "Only the duration of a configurable aftercare item can change."
    if set(change) != {key} or not allowed:
        return {key: [refusal]}
    if message := spec.error(change.get(key)):
        return {key: [message]}
    return {}


def _validate(
    configured: Configured,
    target_kind: str,
    code: str,
    change: Mapping[str, Any],
    reason: str,
) -> dict[str, list[str]]:
    kb = configured.kb
    if target_kind == "rule":
        rule = kb.rules.get(code)
        if rule is None:
            # A rule the clinic switched off (shipped or its own) is judged as it was then.
            rule = configured.switched_off.get(code)
            if rule is None:
                raise NotFound("No such rule.")
            if change.get("enabled") is not True:
                return {"enabled": ["This rule is switched off: switch it back on to change it."]}
        return _validate_rule_change(rule, change, reason, clinic_rule=code.startswith("CLINIC-"))
    if target_kind in ("condition", "setting", "aftercare"):
        if errors := _validate_default(kb, target_kind, code, change):
            return errors
        return _reason_needed(reason, "Changing a configurable default")
    return {"target_kind": [f"Unknown target {target_kind!r}."]}


def _lock(clinic: Clinic) -> None:
    """Serialises a clinic's changes: revisions and clinic rule ids are numbered under it."""
    clinic_lock(clinic=clinic)


def _next_revision(clinic: Clinic) -> int:
    current = ClinicKnowledgeChange.objects.filter(clinic=clinic).aggregate(r=Max("revision"))
    return int(current["r"] or 0) + 1


def _next_clinic_rule_id(clinic: Clinic, taken: set[str]) -> str:
    """CLINIC-n, numbered by the rules the clinic ever added: a switched-off rule keeps its id."""
    number = (
        ClinicKnowledgeChange.objects.filter(
            clinic=clinic, target_kind=ClinicKnowledgeChange.Target.RULE_ADDED
        ).count()
        + 1
    )
    while f"CLINIC-{number}" in taken:  # an id a caller chose
        number += 1
    return f"CLINIC-{number}"


def knowledge_change_record(
    *, actor: Actor, target_kind: str, target_code: str, change: Mapping[str, Any], reason: str = ""
) -> ClinicKnowledgeChange:
    """Records one configuration change for the actor's clinic, validated and audited.

    A rule the clinic switched off takes one change only: `{"enabled": True}` (with any other
    setting), which switches it back on as it was.
    """
    actor.require(Capability.CLINIC_MANAGE)
    with transaction.atomic():
        _lock(actor.clinic)
        configured = clinic_configuration(actor.clinic)
        if errors := _validate(configured, target_kind, target_code, change, reason):
            raise FieldErrors(errors)
        return _record(actor, target_kind, target_code, dict(change), reason, configured.kb)


def knowledge_rule_add(
    *, actor: Actor, rule: Mapping[str, Any], reason: str = ""
) -> ClinicKnowledgeChange:
    """Adds a clinic-defined rule (its id starts with CLINIC-); it is marked configurable."""
    actor.require(Capability.CLINIC_MANAGE)
    with transaction.atomic():
        _lock(actor.clinic)
        configured = clinic_configuration(actor.clinic)
        kb = configured.kb
        taken = {*kb.rules, *configured.switched_off}
        data = {**rule, "configurable": True}
        data.setdefault("id", _next_clinic_rule_id(actor.clinic, taken))
        try:
            parsed = schema.Rule.model_validate(data)
        except ValidationError as exc:
            raise FieldErrors(
                {".".join(str(p) for p in e["loc"]) or "__all__": [e["msg"]] for e in exc.errors()}
            ) from exc
        problems: dict[str, list[str]] = {}
        if not parsed.id.startswith("CLINIC-") or parsed.id in taken:
            problems["id"] = ["A clinic rule id starts with CLINIC- and must be new."]
        for unknown in rule_reference_errors(kb, parsed):
            problems.setdefault(unknown.field, []).append(
                f"Unknown {unknown.what} {unknown.code!r}."
            )
        if parsed.trigger.kind not in CLINIC_RULE_TRIGGERS:
            problems["trigger.kind"] = [
                "Clinic rules use a condition, a medication class, an allergy group or an age "
                "limit."
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
    """Stores and audits one change; the caller holds the clinic's lock in its transaction."""
    assert actor.user is not None
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
