"""Protocol services: clone a published template, edit a draft, publish it (frozen), start
the next version. Plans point at a published version, so editing never changes a plan."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from mesodesk.accounts.actor import Actor
from mesodesk.accounts.choices import Capability
from mesodesk.audit.choices import AuditAction
from mesodesk.audit.services import audit_event_record, field_changes, snapshot
from mesodesk.catalog.choices import Anaesthesia, ProtocolStatus
from mesodesk.catalog.fields import PROTOCOL_BOUNDS
from mesodesk.catalog.models import Protocol
from mesodesk.core.errors import Conflict, FieldErrors, ObjectId
from mesodesk.core.lookups import get_in_clinic
from mesodesk.knowledge.selectors import clinic_knowledge

EDITABLE = (
    "name",
    "indication",
    "sessions",
    "interval_min_days",
    "interval_max_days",
    "schedule_days",
    "technique",
    "depth_min_mm",
    "depth_max_mm",
    "needle",
    "points_per_area",
    "volume_per_point_ml",
    "anaesthesia",
    "anaesthesia_minutes",
    "photo_views_baseline",
    "photo_views_end",
    "photo_views_follow_up",
    "follow_up_weeks",
    "maintenance_interval_days",
    "evidence_summary",
    "notes",
)

# What each field is called on screens and in error messages (never the field's code).
FIELD_LABELS: dict[str, str] = {
    "name": "Name",
    "indication": "Indication",
    "sessions": "Sessions in the course",
    "interval_min_days": "Shortest interval (days)",
    "interval_max_days": "Longest interval (days)",
    "schedule_days": "Fixed schedule (days from the first session)",
    "technique": "Technique",
    "depth_min_mm": "Smallest depth (mm)",
    "depth_max_mm": "Greatest depth (mm)",
    "needle": "Needle",
    "points_per_area": "Points per area",
    "volume_per_point_ml": "Volume per point (mL)",
    "anaesthesia": "Anaesthesia",
    "anaesthesia_minutes": "Anaesthetic application time (minutes)",
    "photo_views_baseline": "Photographs before the course",
    "photo_views_end": "Photographs at the end of the course",
    "photo_views_follow_up": "Photographs at follow-up",
    "follow_up_weeks": "Follow-up after (weeks)",
    "maintenance_interval_days": "Maintenance every (days)",
    "evidence_summary": "Evidence summary",
    "notes": "Notes",
}


def _get(actor: Actor, protocol_id: ObjectId, *, lock: bool = False) -> Protocol:
    qs = Protocol.objects.filter(clinic=actor.clinic)
    if lock:
        qs = qs.select_for_update()
    return get_in_clinic(qs, protocol_id)


def _out_of_range(protocol: Protocol) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for name, spec in PROTOCOL_BOUNDS.items():
        if message := spec.error(getattr(protocol, name), optional=name != "sessions"):
            errors[name] = [message]
    return errors


def _validate(protocol: Protocol) -> dict[str, list[str]]:
    kb = clinic_knowledge(protocol.clinic)
    errors = _out_of_range(protocol)
    try:
        # A field already out of range is left out, so its database constraint (sessions
        # >= 1) never surfaces as a raw "Constraint … is violated" message.
        protocol.full_clean(exclude=["clinic", "published_by", *errors])
    except ValidationError as exc:
        errors = FieldErrors.from_django(exc).errors | errors
    if protocol.indication not in kb.indications:
        errors["indication"] = ["Choose an indication from the knowledge base."]
    if protocol.technique and protocol.technique not in kb.techniques:
        errors["technique"] = ["Choose a technique from the knowledge base."]
    for name in ("photo_views_baseline", "photo_views_end", "photo_views_follow_up"):
        views = getattr(protocol, name) or []
        if not isinstance(views, list) or any(v not in kb.photo_views for v in views):
            errors[name] = ["Choose photo views from the knowledge base."]
    schedule = protocol.schedule_days or []
    if schedule:
        valid = (
            isinstance(schedule, list)
            and all(isinstance(d, int) for d in schedule)
            and schedule[0] == 0
            and schedule == sorted(set(schedule))
        )
        if not valid or len(schedule) != protocol.sessions:
            errors["schedule_days"] = ["Give one day per session, starting at 0, rising."]
    elif (protocol.sessions or 0) > 1 and not protocol.interval_min_days:
        errors["interval_min_days"] = ["A course of several sessions needs a minimum interval."]
    low, high = protocol.interval_min_days, protocol.interval_max_days
    if isinstance(low, int) and isinstance(high, int) and high < low:
        errors["interval_max_days"] = ["The longest interval is shorter than the shortest."]
    dmin, dmax = protocol.depth_min_mm, protocol.depth_max_mm
    if dmin is not None and dmax is not None and dmax < dmin:
        errors["depth_max_mm"] = ["The maximum depth is below the minimum."]
    if protocol.anaesthesia == Anaesthesia.TOPICAL and not protocol.anaesthesia_minutes:
        errors["anaesthesia_minutes"] = ["Give the application time of the topical anaesthetic."]
    return errors


def _audit(actor: Actor, protocol: Protocol, action: AuditAction, changes: dict[str, Any]) -> None:
    audit_event_record(
        actor=actor,
        action=action,
        obj=protocol,
        summary=f"protocol {protocol.name} v{protocol.version} ({protocol.status})",
        changes=changes,
    )


def protocol_clone(*, actor: Actor, template_code: str) -> Protocol:
    """A draft copy of a published study or label protocol, for the clinic to adapt."""
    actor.require(Capability.CATALOG_MANAGE)
    kb = clinic_knowledge(actor.clinic)
    template = kb.protocols.get(template_code)
    if template is None:
        raise FieldErrors.single("template_code", f"Unknown protocol template {template_code!r}.")
    setting = kb.setting("topical_anaesthetic_minutes")
    protocol = Protocol(
        clinic=actor.clinic,
        template_code=template.code,
        name=template.name,
        indication=template.indication,
        sessions=template.sessions,
        interval_min_days=template.interval_min_days,
        interval_max_days=template.interval_max_days,
        schedule_days=list(template.schedule_days),
        technique=template.technique,
        depth_min_mm=_dec(template.depth_min_mm),
        depth_max_mm=_dec(template.depth_max_mm),
        needle=template.needle,
        points_per_area=template.points_per_area,
        volume_per_point_ml=_dec(template.volume_per_point_ml),
        anaesthesia=template.anaesthesia,
        anaesthesia_minutes=setting if template.anaesthesia == "topical" else None,
        photo_views_baseline=list(template.photo_views_baseline),
        photo_views_end=list(template.photo_views_end),
        photo_views_follow_up=list(template.photo_views_follow_up),
        follow_up_weeks=template.follow_up_weeks,
        maintenance_interval_days=template.maintenance_interval_days,
        evidence_summary=template.evidence_summary,
        sources=list(template.sources),
        configurable_fields=list(template.configurable_fields),
    )
    with transaction.atomic():
        protocol.save(force_insert=True)
        _audit(actor, protocol, AuditAction.CREATE, {"template": [None, template.code]})
    return protocol


def _dec(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def protocol_create(*, actor: Actor, data: Mapping[str, Any]) -> Protocol:
    actor.require(Capability.CATALOG_MANAGE)
    unknown = set(data) - set(EDITABLE)
    if unknown:
        raise FieldErrors({k: ["Unknown field."] for k in sorted(unknown)})
    protocol = Protocol(clinic=actor.clinic, **dict(data))
    if errors := _validate(protocol):
        raise FieldErrors(errors)
    with transaction.atomic():
        protocol.save(force_insert=True)
        _audit(actor, protocol, AuditAction.CREATE, {"name": [None, protocol.name]})
    return protocol


def protocol_update(*, actor: Actor, protocol_id: ObjectId, data: Mapping[str, Any]) -> Protocol:
    """Changes a draft; a published protocol is frozen (start a new version instead)."""
    actor.require(Capability.CATALOG_MANAGE)
    unknown = set(data) - set(EDITABLE)
    if unknown:
        raise FieldErrors({k: ["Unknown field."] for k in sorted(unknown)})
    with transaction.atomic():
        protocol = _get(actor, protocol_id, lock=True)
        if protocol.status != ProtocolStatus.DRAFT:
            raise Conflict("A published protocol is frozen; start a new version to change it.")
        before = snapshot(protocol, EDITABLE)
        for key, value in data.items():
            setattr(protocol, key, value)
        if errors := _validate(protocol):
            raise FieldErrors(errors)
        changes = field_changes(before, snapshot(protocol, EDITABLE))
        if changes:  # saving an unchanged draft writes nothing
            protocol.save()
            _audit(actor, protocol, AuditAction.UPDATE, changes)
    return protocol


def protocol_publish(*, actor: Actor, protocol_id: ObjectId) -> Protocol:
    """Freezes a draft; the family's previous published version retires."""
    actor.require(Capability.CATALOG_MANAGE)
    assert actor.user is not None
    with transaction.atomic():
        protocol = _get(actor, protocol_id, lock=True)
        if protocol.status != ProtocolStatus.DRAFT:
            raise Conflict("Only a draft can be published.")
        if errors := _validate(protocol):
            raise FieldErrors(errors)
        Protocol.objects.filter(family=protocol.family, status=ProtocolStatus.PUBLISHED).update(
            status=ProtocolStatus.RETIRED
        )
        protocol.status = ProtocolStatus.PUBLISHED
        protocol.published_at = timezone.now()
        protocol.published_by = actor.user
        protocol.save(update_fields=["status", "published_at", "published_by", "updated_at"])
        _audit(
            actor,
            protocol,
            AuditAction.UPDATE,
            {"status": [ProtocolStatus.DRAFT, ProtocolStatus.PUBLISHED]},
        )
    return protocol


def protocol_update_and_publish(
    *, actor: Actor, protocol_id: ObjectId, data: Mapping[str, Any]
) -> Protocol:
    """Saves a draft's pending edits and publishes it, all or nothing (the page's Publish
    button sends the edit form, so what was typed is what is frozen)."""
    with transaction.atomic():
        protocol_update(actor=actor, protocol_id=protocol_id, data=data)
        return protocol_publish(actor=actor, protocol_id=protocol_id)


def protocol_new_version(*, actor: Actor, protocol_id: ObjectId) -> Protocol:
    """A draft copy of a published version, numbered next in its family."""
    actor.require(Capability.CATALOG_MANAGE)
    with transaction.atomic():
        source = _get(actor, protocol_id, lock=True)
        if source.status == ProtocolStatus.DRAFT:
            raise Conflict("This version is still a draft: edit it directly.")
        if Protocol.objects.filter(family=source.family, status=ProtocolStatus.DRAFT).exists():
            raise Conflict("A draft of the next version already exists.")
        latest = Protocol.objects.filter(family=source.family).aggregate(v=Max("version"))["v"]
        copy = Protocol(
            clinic=actor.clinic,
            family=source.family,
            version=int(latest or 0) + 1,
            template_code=source.template_code,
            sources=list(source.sources),
            configurable_fields=list(source.configurable_fields),
            **{name: getattr(source, name) for name in EDITABLE},
        )
        copy.save(force_insert=True)
        _audit(actor, copy, AuditAction.CREATE, {"from_version": [None, source.version]})
    return copy
