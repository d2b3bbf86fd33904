"""Restoring a backup into a fresh database, then proving it: row counts, checksums, audit.

The audit chains are verified by the `audit_verify` command (the audit app sits above core),
against the checkpoints written up to the moment of the backup.
"""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.management import CommandError, call_command
from django.db import connections
from django.db.utils import load_backend
from django.utils.connection import ConnectionDoesNotExist

from mesodesk.core.backup.archive import (
    PG_MEMBER,
    SQLITE_MEMBER,
    BackupError,
    pg_env,
    sqlite_fingerprints,
)
from mesodesk.core.backup.crypto import DecryptingReader, backup_key
from mesodesk.core.backup.fingerprint import differences, fingerprints

RESTORED_ALIAS = "restored"


@dataclass
class RestoreReport:
    manifest: dict[str, Any]
    target: str
    problems: list[str] = field(default_factory=list)
    audit_report: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems


def _extract(archive: Path, into: Path, key: bytes) -> dict[str, Any]:
    with archive.open("rb") as source:
        reader = DecryptingReader(source, key)
        with tarfile.open(fileobj=reader, mode="r|gz") as tar:  # type: ignore[call-overload]
            for member in tar:
                tar.extract(member, into, filter="data")
    manifest_path = into / "manifest.json"
    if not manifest_path.is_file():
        raise BackupError("The archive has no manifest.")
    manifest: dict[str, Any] = json.loads(manifest_path.read_text())
    return manifest


def _register(alias: str, settings_dict: dict[str, Any]) -> None:
    """A connection to the restored database under `alias`, for this thread only: it is not
    added to settings.DATABASES, so nothing else (migrations, tests) ever picks it up."""
    base = dict(connections["default"].settings_dict)
    base.update(settings_dict)
    base["OPTIONS"] = dict(settings_dict.get("OPTIONS") or {})
    base["CONN_MAX_AGE"] = 0
    with contextlib.suppress(ConnectionDoesNotExist):
        connections[alias].close()
    backend = load_backend(base["ENGINE"])
    connections[alias] = backend.DatabaseWrapper(base, alias)


def _restore_sqlite(work: Path, target: Path) -> dict[str, Any]:
    if target.exists():
        raise BackupError(f"{target} exists; restore into a fresh database file.")
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(work / SQLITE_MEMBER, target)
    return {"ENGINE": "django.db.backends.sqlite3", "NAME": str(target), "OPTIONS": {}}


def _restore_pg(work: Path, url: str) -> dict[str, Any]:
    parsed: dict[str, Any] = dict(dj_database_url.parse(url))
    _register(RESTORED_ALIAS, parsed)
    with connections[RESTORED_ALIAS].cursor() as cursor:
        if connections[RESTORED_ALIAS].introspection.table_names(cursor):
            raise BackupError("The target database is not empty; restore into a fresh one.")
    connections[RESTORED_ALIAS].close()
    command = ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error"]
    command += ["--dbname", str(parsed["NAME"]), str(work / PG_MEMBER)]
    try:
        subprocess.run(  # noqa: S603 - fixed program
            command, env=pg_env(parsed), check=True, capture_output=True, timeout=6 * 3600
        )
    except FileNotFoundError as exc:
        raise BackupError("pg_restore is not installed on this machine.") from exc
    except subprocess.CalledProcessError as exc:
        raise BackupError(f"pg_restore failed: {exc.stderr.decode()[:500]}") from exc
    return parsed


def _found_fingerprints(engine: str, settings_dict: dict[str, Any]) -> dict[str, Any]:
    if engine == "sqlite":
        return sqlite_fingerprints(Path(settings_dict["NAME"]))
    conn = connections[RESTORED_ALIAS]
    with conn.cursor() as cursor:
        return fingerprints(cursor, conn.introspection.table_names(cursor), conn.ops.quote_name)


def _audit_verify(manifest: dict[str, Any]) -> tuple[bool, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(
            "audit_verify",
            "--database",
            RESTORED_ALIAS,
            "--until",
            manifest["created_at"],
            stdout=out,
            stderr=err,
        )
    except CommandError as exc:
        return False, (err.getvalue() + str(exc)).strip()
    return True, out.getvalue().strip()


def backup_restore(
    *,
    archive: Path,
    sqlite_path: Path | None = None,
    database_url: str = "",
    media_to: Path | None = None,
    key: str | None = None,
) -> RestoreReport:
    """Decrypts, restores into a fresh database, compares every table, verifies the audit."""
    raw_key = backup_key(key)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        manifest = _extract(Path(archive), work, raw_key)
        engine = manifest["engine"]
        if engine == "sqlite":
            if sqlite_path is None:
                raise BackupError("A SQLite backup restores into a file: give --sqlite-path.")
            settings_dict = _restore_sqlite(work, Path(sqlite_path))
            target = str(sqlite_path)
        elif engine == "postgresql":
            if not database_url:
                raise BackupError("A PostgreSQL backup restores into --database-url.")
            settings_dict = _restore_pg(work, database_url)
            target = str(settings_dict["NAME"])
        else:
            raise BackupError(f"Unknown engine {engine!r} in the manifest.")
        if media_to is not None and (work / "media").is_dir():
            shutil.copytree(work / "media", media_to, dirs_exist_ok=False)
    _register(RESTORED_ALIAS, settings_dict)
    report = RestoreReport(manifest, target)
    try:
        report.problems += differences(
            manifest["tables"], _found_fingerprints(engine, settings_dict)
        )
        verified, report.audit_report = _audit_verify(manifest)
        if not verified:
            report.problems.append("the audit trail does not verify")
    finally:
        connections[RESTORED_ALIAS].close()
    return report
