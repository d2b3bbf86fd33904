"""Writing the audit trail. Call `audit_event_record` inside the transaction of the change."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import IntegrityError, models, transaction
from django.utils import timezone

from mesodesk.accounts.actor import Actor
from mesodesk.accounts.models import Clinic, User
from mesodesk.audit.chain import GENESIS, KEYED_EPOCH, event_hash, json_safe
from mesodesk.audit.choices import AuditAction
from mesodesk.audit.keys import audit_key
from mesodesk.audit.models import AuditChain, AuditEvent

GLOBAL_CHAIN = "global"


def chain_key_for(clinic_id: uuid.UUID | None) -> str:
    return f"clinic:{clinic_id.hex}" if clinic_id else GLOBAL_CHAIN


def _locked_chain(key: str) -> AuditChain:
    # The chain head row is the lock that serialises appends to one clinic's chain.
    try:
        return AuditChain.objects.select_for_update().get(key=key)
    except AuditChain.DoesNotExist:
        try:
            with transaction.atomic():
                AuditChain.objects.create(key=key)
        except IntegrityError:
            pass  # another transaction created it first
        return AuditChain.objects.select_for_update().get(key=key)


def object_type_of(obj: models.Model | type[models.Model]) -> str:
    """`app_label.ModelName`, unless the model keeps the name its events had before it moved
    to another app (`audit_object_type`), so one name finds its whole history."""
    kept = getattr(obj, "audit_object_type", "")
    if isinstance(kept, str) and kept:
        return kept
    return f"{obj._meta.app_label}.{obj._meta.object_name}"


def audit_event_record(
    *,
    actor: Actor | None,
    action: AuditAction | str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: uuid.UUID | None = None,
    patient_id: uuid.UUID | None = None,
    changes: Mapping[str, Any] | None = None,
    summary: str = "",
    clinic: Clinic | None = None,
    user: User | None = None,
    actor_label: str = "",
    ip: str | None = None,
    user_agent: str = "",
) -> AuditEvent:
    """Append one event to its clinic's chain; joins the caller's transaction if there is one."""
    if obj is not None:
        object_type = object_type or object_type_of(obj)
        object_id = object_id or obj.pk
    clinic = clinic or (actor.clinic if actor else None)
    user = user or (actor.user if actor else None)
    clinic_id = clinic.pk if clinic else None
    key = chain_key_for(clinic_id)
    occurred_at = timezone.now().astimezone(dt.UTC)
    with transaction.atomic():
        chain = _locked_chain(key)
        fields: dict[str, Any] = {
            "chain_key": key,
            "seq": chain.last_seq + 1,
            "clinic_id": clinic_id,
            "occurred_at": occurred_at,
            "actor_id": user.pk if user else None,
            "actor_label": (
                actor_label or (actor.display if actor else "") or str(user or "system")
            )[:254],
            "actor_role": (actor.role if actor else "")[:20],
            "action": str(action),
            "object_type": object_type,
            "object_id": object_id,
            "patient_id": patient_id,
            "summary": summary[:200],
            "changes": json_safe(dict(changes or {})),
            "ip": ip if ip is not None else (actor.ip if actor else None),
            "user_agent": (user_agent or (actor.user_agent if actor else ""))[:400],
        }
        digest = event_hash(chain.last_hash or GENESIS, fields, epoch=KEYED_EPOCH, key=audit_key())
        event = AuditEvent.objects.create(
            **fields, prev_hash=chain.last_hash or GENESIS, hash=digest, key_epoch=KEYED_EPOCH
        )
        AuditChain.objects.filter(pk=chain.pk).update(last_seq=fields["seq"], last_hash=digest)
    return event


def field_changes(
    before: Mapping[str, Any], after: Mapping[str, Any], fields: Iterable[str] | None = None
) -> dict[str, list[Any]]:
    """`{field: [before, after]}` for every field whose value differs."""
    names = list(fields) if fields is not None else sorted(set(before) | set(after))
    return {
        name: [json_safe(before.get(name)), json_safe(after.get(name))]
        for name in names
        if json_safe(before.get(name)) != json_safe(after.get(name))
    }


def snapshot(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The current values of the named fields (foreign keys by id), JSON-safe."""
    values: dict[str, Any] = {}
    for name in fields:
        field = instance._meta.get_field(name)
        attname = getattr(field, "attname", name)
        values[name] = json_safe(getattr(instance, attname))
    return values


def created_changes(instance: models.Model, fields: Iterable[str]) -> dict[str, list[Any]]:
    return {name: [None, value] for name, value in snapshot(instance, fields).items()}


def audit_events_record_many(
    *,
    actor: Actor,
    action: AuditAction | str,
    objects: list[models.Model],
    summary: str = "",
    patient_ids: list[uuid.UUID | None] | None = None,
) -> int:
    """Appends one event per object in one go (imports); same chain and hashes as one by one."""
    if not objects:
        return 0
    key = chain_key_for(actor.clinic.pk)
    occurred_at = timezone.now().astimezone(dt.UTC)
    events: list[AuditEvent] = []
    key_bytes = audit_key()
    with transaction.atomic():
        chain = _locked_chain(key)
        prev, seq = chain.last_hash or GENESIS, chain.last_seq
        for index, obj in enumerate(objects):
            seq += 1
            fields: dict[str, Any] = {
                "chain_key": key,
                "seq": seq,
                "clinic_id": actor.clinic.pk,
                "occurred_at": occurred_at,
                "actor_id": actor.user.pk if actor.user else None,
                "actor_label": actor.display[:254],
                "actor_role": actor.role[:20],
                "action": str(action),
                "object_type": object_type_of(obj),
                "object_id": obj.pk,
                "patient_id": patient_ids[index] if patient_ids else None,
                "summary": summary[:200],
                "changes": {},
                "ip": actor.ip,
                "user_agent": actor.user_agent[:400],
            }
            digest = event_hash(prev, fields, epoch=KEYED_EPOCH, key=key_bytes)
            events.append(AuditEvent(**fields, prev_hash=prev, hash=digest, key_epoch=KEYED_EPOCH))
            prev = digest
        AuditEvent.objects.bulk_create(events, batch_size=1000)
        AuditChain.objects.filter(pk=chain.pk).update(last_seq=seq, last_hash=prev)
    return len(events)
