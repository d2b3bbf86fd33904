"""Signed checkpoints of every chain head, appended to storage outside the database.

A database writer can delete the newest events and roll a chain's head back, or drop a whole
chain; only a record kept elsewhere can tell. Each checkpoint is one JSON line holding every
chain's head (seq, link, the first keyed seq) and an HMAC over it with the audit key, so a
line cannot be forged or edited without the key either. The default store is a JSON-lines file
under the var directory; `AUDIT_CHECKPOINT_STORE` names another (docs/SECURITY.md shows an S3
bucket with object lock).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings
from django.db.models import Min
from django.utils import timezone
from django.utils.module_loading import import_string

from mesodesk.audit.chain import KEYED_EPOCH, sign, signature_ok
from mesodesk.audit.keys import audit_key
from mesodesk.audit.models import AuditChain, AuditEvent

logger = logging.getLogger(__name__)

PURPOSE = "audit-checkpoint"
FORMAT_VERSION = 1


class CheckpointStore(Protocol):
    """Where checkpoint lines go: append-only, outside the database."""

    def append(self, line: str) -> None: ...

    def lines(self) -> Iterator[str]: ...

    def last_line(self) -> str | None: ...


class FileCheckpointStore:
    """A JSON-lines file, opened for appending only (O_APPEND) and synced to disk per line."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = Path(path or settings.AUDIT_CHECKPOINT_PATH)

    def append(self, line: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, (line + "\n").encode())
            os.fsync(fd)
        finally:
            os.close(fd)

    def lines(self) -> Iterator[str]:
        if not self.path.is_file():
            return
        with self.path.open(encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    yield line.rstrip("\n")

    def last_line(self) -> str | None:
        if not self.path.is_file():
            return None
        with self.path.open("rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - 1024 * 1024))
            tail = handle.read().decode("utf-8", errors="replace").strip().splitlines()
        return tail[-1] if tail else None


def checkpoint_store() -> CheckpointStore:
    dotted = getattr(settings, "AUDIT_CHECKPOINT_STORE", "")
    if dotted:
        store: CheckpointStore = import_string(dotted)()
        return store
    return FileCheckpointStore()


@dataclass(frozen=True)
class Head:
    seq: int
    link: str
    keyed_from: int | None


@dataclass
class Checkpoint:
    line_no: int
    at: dt.datetime
    heads: dict[str, Head] = field(default_factory=dict)


@dataclass(frozen=True)
class CheckpointProblem:
    line_no: int
    reason: str


def _heads() -> dict[str, list[Any]]:
    keyed_from = dict(
        AuditEvent.objects.filter(key_epoch=KEYED_EPOCH)
        .values("chain_key")
        .annotate(first=Min("seq"))
        .values_list("chain_key", "first")
    )
    return {
        chain.key: [chain.last_seq, chain.last_hash, keyed_from.get(chain.key)]
        for chain in AuditChain.objects.order_by("key")
    }


def checkpoint_write(*, store: CheckpointStore | None = None) -> dict[str, Any]:
    """Appends one signed line with every chain head; returns what was written."""
    at = timezone.now().astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    body: dict[str, Any] = {"v": FORMAT_VERSION, "at": at, "heads": _heads()}
    line = {**body, "sig": sign(audit_key(), PURPOSE, body)}
    (store or checkpoint_store()).append(json.dumps(line, sort_keys=True, separators=(",", ":")))
    # A second copy off the host: the log shipper carries the signature (no patient data).
    logger.info("audit checkpoint at %s over %d chains sig=%s", at, len(body["heads"]), line["sig"])
    return line


def _parse(line_no: int, text: str, key: bytes) -> Checkpoint | CheckpointProblem:
    try:
        line = json.loads(text)
        body = {"v": line["v"], "at": line["at"], "heads": line["heads"]}
        if not signature_ok(key, PURPOSE, body, str(line["sig"])):
            return CheckpointProblem(line_no, "signature does not match (forged or edited)")
        at = dt.datetime.strptime(line["at"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.UTC)
        heads = {
            str(k): Head(int(v[0]), str(v[1]), None if v[2] is None else int(v[2]))
            for k, v in line["heads"].items()
        }
    except (ValueError, KeyError, TypeError, IndexError, AttributeError):
        return CheckpointProblem(line_no, "is not a readable checkpoint")
    return Checkpoint(line_no, at, heads)


def checkpoints_read(
    *, store: CheckpointStore | None = None, until: dt.datetime | None = None
) -> tuple[list[Checkpoint], list[CheckpointProblem]]:
    """Every checkpoint (up to `until`), and every line that is not a valid one."""
    key = audit_key()
    found: list[Checkpoint] = []
    problems: list[CheckpointProblem] = []
    for line_no, text in enumerate((store or checkpoint_store()).lines(), start=1):
        parsed = _parse(line_no, text, key)
        if isinstance(parsed, CheckpointProblem):
            problems.append(parsed)
        elif until is None or parsed.at <= until:
            found.append(parsed)
    return found, problems


def last_checkpoint_at(*, store: CheckpointStore | None = None) -> dt.datetime | None:
    """When the newest valid checkpoint was written (for the health check)."""
    text = (store or checkpoint_store()).last_line()
    if text is None:
        return None
    parsed = _parse(0, text, audit_key())
    return parsed.at if isinstance(parsed, Checkpoint) else None
