"""The link of an audit event: a MAC over a canonical JSON of its fields and the previous link.

Key epochs: epoch 0 is the original unkeyed SHA-256 (events written before the key existed);
epoch 1 is HMAC-SHA256 with `AUDIT_HMAC_KEY`, a key kept outside the database, so a database
writer cannot recompute a link after editing an event. A chain may move from epoch 0 to 1 once
and never back. Pure functions, shared by the writer and by `audit_verify`, so both agree.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import hmac
import json
import uuid
from collections.abc import Mapping
from typing import Any

GENESIS = "0" * 64
LEGACY_EPOCH = 0
KEYED_EPOCH = 1

HASHED_FIELDS = (
    "chain_key",
    "seq",
    "clinic_id",
    "occurred_at",
    "actor_id",
    "actor_label",
    "actor_role",
    "action",
    "object_type",
    "object_id",
    "patient_id",
    "summary",
    "changes",
    "ip",
    "user_agent",
)


def json_safe(value: Any) -> Any:
    """A JSON-native copy of a value: dates, decimals and UUIDs become strings."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [json_safe(v) for v in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    return str(value)


def _canonical(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, uuid.UUID):
        return value.hex
    return value


def canonical_json(payload: Mapping[str, Any]) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def event_hash(
    prev_hash: str, fields: Mapping[str, Any], *, epoch: int = LEGACY_EPOCH, key: bytes = b""
) -> str:
    """The link of one event; epoch 1 needs the key (and binds the epoch into the MAC)."""
    payload = {name: _canonical(fields.get(name)) for name in HASHED_FIELDS}
    payload["prev_hash"] = prev_hash
    if epoch == LEGACY_EPOCH:
        return hashlib.sha256(canonical_json(payload)).hexdigest()
    if not key:
        raise ValueError("A keyed audit epoch needs the HMAC key.")
    payload["epoch"] = epoch
    return hmac.new(key, b"audit-event\n" + canonical_json(payload), hashlib.sha256).hexdigest()


def sign(key: bytes, purpose: str, payload: Mapping[str, Any]) -> str:
    """An HMAC-SHA256 over a canonical JSON, separated by purpose from the event links."""
    message = purpose.encode() + b"\n" + canonical_json(payload)
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def signature_ok(key: bytes, purpose: str, payload: Mapping[str, Any], signature: str) -> bool:
    return hmac.compare_digest(sign(key, purpose, payload), signature)
