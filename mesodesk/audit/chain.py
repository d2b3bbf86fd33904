"""The hash of an audit event: SHA-256 over a canonical JSON of its fields and the previous hash.

Pure functions, shared by the writer and by `audit_verify`, so both always agree.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
import uuid
from collections.abc import Mapping
from typing import Any

GENESIS = "0" * 64

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


def event_hash(prev_hash: str, fields: Mapping[str, Any]) -> str:
    payload = {name: _canonical(fields.get(name)) for name in HASHED_FIELDS}
    payload["prev_hash"] = prev_hash
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()
