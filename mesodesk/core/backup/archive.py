"""Taking a backup: one encrypted archive of the database, its manifest and the media files.

SQLite is copied with its online backup API (a consistent copy while the clinic works);
PostgreSQL with `pg_dump` inside an exported snapshot, so the manifest's row counts and
checksums describe exactly the rows the dump holds.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from mesodesk.core.backup.crypto import EncryptingWriter, backup_key
from mesodesk.core.backup.fingerprint import fingerprints
from mesodesk.core.heartbeat import BACKUP, heartbeat_record

FORMAT_VERSION = 1
SQLITE_MEMBER = "database.sqlite3"
PG_MEMBER = "database.pgdump"
SUFFIX = ".mdbk"


class BackupError(RuntimeError):
    """The backup or restore could not be completed; the message says why."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    created_at: dt.datetime
    tables: int
    rows: int
    media_files: int


def sqlite_tables(conn: sqlite3.Connection) -> list[str]:
    rows = conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    ).fetchall()
    return [str(name) for (name,) in rows]


def sqlite_fingerprints(path: Path) -> dict[str, dict[str, Any]]:
    conn = sqlite3.connect(path)
    try:
        return fingerprints(conn.cursor(), sqlite_tables(conn), lambda n: '"' + n + '"')
    finally:
        conn.close()


def _sqlite_copy(work: Path) -> tuple[Path, dict[str, dict[str, Any]]]:
    target = work / SQLITE_MEMBER
    connection.ensure_connection()
    source = connection.connection
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
    finally:
        copy.close()
    return target, sqlite_fingerprints(target)


def pg_env(settings_dict: dict[str, Any]) -> dict[str, str]:
    env = dict(os.environ)
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER")):
        if settings_dict.get(key):
            env[var] = str(settings_dict[key])
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings_dict["PASSWORD"])
    env["PGDATABASE"] = str(settings_dict["NAME"])
    return env


def _pg_dump(work: Path) -> tuple[Path, dict[str, dict[str, Any]]]:
    target = work / PG_MEMBER
    if connection.in_atomic_block:
        raise BackupError("A PostgreSQL backup must run outside a transaction.")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        (snapshot,) = cursor.fetchone()
        command = ["pg_dump", "--format=custom", f"--snapshot={snapshot}", "-f", str(target)]
        try:
            subprocess.run(  # noqa: S603 - fixed program, arguments from settings
                command,
                env=pg_env(connection.settings_dict),
                check=True,
                capture_output=True,
                timeout=6 * 3600,
            )
        except FileNotFoundError as exc:
            raise BackupError("pg_dump is not installed on this machine.") from exc
        except subprocess.CalledProcessError as exc:
            raise BackupError(f"pg_dump failed: {exc.stderr.decode()[:500]}") from exc
        tables = connection.introspection.table_names(cursor)
        prints = fingerprints(cursor, tables, connection.ops.quote_name)
    return target, prints


def _media_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    if not root.is_dir():
        return []
    return sorted(p for p in root.rglob("*") if p.is_file())


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(timezone.now().timestamp())
    info.mode = 0o600
    tar.addfile(info, io.BytesIO(data))


def _prune(directory: Path, keep: int) -> None:
    archives = sorted(directory.glob(f"mesodesk-*{SUFFIX}"))
    for old in archives[: max(0, len(archives) - keep)]:
        old.unlink()


def backup_create(*, directory: Path | None = None, keep: int | None = None) -> BackupResult:
    """Writes one encrypted archive, keeps the newest `keep`, records the time for /healthz."""
    key = backup_key()
    directory = Path(directory or settings.BACKUP_DIR)
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    created_at = timezone.now().astimezone(dt.UTC)
    final = directory / f"mesodesk-{created_at:%Y%m%d-%H%M%S-%f}{SUFFIX}"
    partial = final.with_suffix(".partial")
    with tempfile.TemporaryDirectory(dir=directory) as tmp:
        if connection.vendor == "sqlite":
            dump, prints = _sqlite_copy(Path(tmp))
        elif connection.vendor == "postgresql":
            dump, prints = _pg_dump(Path(tmp))
        else:
            raise BackupError(f"No backup method for {connection.vendor}.")
        media = _media_files()
        manifest = {
            "format": FORMAT_VERSION,
            "created_at": created_at.isoformat(),
            "engine": connection.vendor,
            "database": dump.name,
            "tables": prints,
            "media_files": len(media),
        }
        with partial.open("wb") as out:
            os.chmod(partial, 0o600)
            writer = EncryptingWriter(out, key)
            with tarfile.open(fileobj=writer, mode="w|gz") as tar:  # type: ignore[call-overload]
                _add_bytes(tar, "manifest.json", json.dumps(manifest, indent=1).encode())
                tar.add(dump, arcname=dump.name)
                root = Path(settings.MEDIA_ROOT)
                for path in media:
                    tar.add(path, arcname=f"media/{path.relative_to(root).as_posix()}")
            writer.close()
            out.flush()
            os.fsync(out.fileno())
    partial.rename(final)
    _prune(directory, settings.BACKUP_KEEP if keep is None else keep)
    rows = sum(t["rows"] for t in prints.values())
    heartbeat_record(BACKUP, detail={"file": final.name, "bytes": final.stat().st_size})
    return BackupResult(final, created_at, len(prints), rows, len(media))
