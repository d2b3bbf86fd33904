"""A backup is encrypted, kept N deep, and restores into a fresh database identical to the
one saved (row counts and checksums of every table), with its audit trail verified."""

from __future__ import annotations

import io
import os
import shutil
import sqlite3
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from mesodesk.audit.checkpoints import checkpoint_write
from mesodesk.core.backup.archive import backup_create, sqlite_fingerprints
from mesodesk.core.backup.crypto import (
    MAGIC,
    BackupDecryptError,
    DecryptingReader,
    EncryptingWriter,
    generate_key,
)
from mesodesk.core.backup.fingerprint import differences
from mesodesk.core.backup.restore import backup_restore
from mesodesk.core.heartbeat import BACKUP, heartbeat_at
from mesodesk.core.testing import Personas, adult_patient_data, build_personas
from mesodesk.patients.services import condition_record, patient_create

sqlite_only = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="the SQLite backup test needs the SQLite test database"
)


def _clinic_with_history() -> Personas:
    personas = build_personas()
    patient = patient_create(
        actor=personas.practitioner, data=adult_patient_data(family_name="Zebulon-Backup")
    )
    condition_record(actor=personas.practitioner, patient_id=patient.pk, data={"code": "urticaria"})
    checkpoint_write()
    return personas


def _round_trip(data: bytes, key: bytes) -> bytes:
    sink = io.BytesIO()
    writer = EncryptingWriter(sink, key)
    writer.write(data)
    writer.close()
    return DecryptingReader(io.BytesIO(sink.getvalue()), key).read()


def test_encryption_round_trips_across_chunk_boundaries() -> None:
    key = os.urandom(32)
    data = os.urandom(3 * 1024 * 1024 + 17)
    assert _round_trip(data, key) == data
    assert _round_trip(b"", key) == b""


def test_a_cut_short_or_altered_archive_or_a_wrong_key_is_refused() -> None:
    key = os.urandom(32)
    sink = io.BytesIO()
    writer = EncryptingWriter(sink, key)
    writer.write(os.urandom(2 * 1024 * 1024 + 5))
    writer.close()
    blob = sink.getvalue()
    cut = blob[: len(MAGIC) + 7 + 4 + 1024 * 1024 + 16]  # the first chunk only
    altered = blob[:-1] + bytes([blob[-1] ^ 1])
    for bad, bad_key in ((cut, key), (altered, key), (blob, os.urandom(32))):
        with pytest.raises(BackupDecryptError):
            DecryptingReader(io.BytesIO(bad), bad_key).read()


@sqlite_only
@pytest.mark.django_db(transaction=True)
def test_a_backup_restores_into_a_fresh_sqlite_file_identical_to_the_original(
    tmp_path: Path, settings: Any
) -> None:
    _clinic_with_history()
    media = tmp_path / "media"
    (media / "photos").mkdir(parents=True)
    (media / "photos" / "a.jpg").write_bytes(b"\xff\xd8 not really a jpeg")
    settings.MEDIA_ROOT = media

    result = backup_create()

    archive = result.path.read_bytes()
    assert archive.startswith(MAGIC)
    assert b"Zebulon-Backup" not in archive  # encrypted, not merely packed
    assert settings.BACKUP_KEY.encode() not in archive
    assert heartbeat_at(BACKUP) is not None

    target = tmp_path / "restored.sqlite3"
    report = backup_restore(archive=result.path, sqlite_path=target, media_to=tmp_path / "m2")

    assert report.ok, report.problems
    assert "OK" in report.audit_report
    assert (tmp_path / "m2" / "photos" / "a.jpg").read_bytes() == b"\xff\xd8 not really a jpeg"
    assert sqlite_fingerprints(target) == report.manifest["tables"]
    assert report.manifest["tables"]["patients_patient"]["rows"] == 1
    assert report.manifest["tables"]["audit_auditevent"]["rows"] >= 2


@sqlite_only
@pytest.mark.django_db(transaction=True)
def test_the_comparison_names_each_table_that_differs(tmp_path: Path) -> None:
    _clinic_with_history()
    result = backup_create()
    target = tmp_path / "restored.sqlite3"
    report = backup_restore(archive=result.path, sqlite_path=target)
    with sqlite3.connect(target) as conn:
        conn.execute("DELETE FROM patients_condition")
        conn.execute("UPDATE patients_patient SET given_name = 'Someone else'")

    problems = differences(report.manifest["tables"], sqlite_fingerprints(target))

    assert problems == [
        "table patients_condition: 0 rows, the backup had 1",
        "table patients_patient: same row count but different content",
    ]


@sqlite_only
@pytest.mark.django_db(transaction=True)
def test_a_restore_reports_an_audit_trail_that_does_not_verify(tmp_path: Path) -> None:
    _clinic_with_history()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET summary = 'edited' WHERE seq = 1")
    result = backup_create()

    report = backup_restore(archive=result.path, sqlite_path=tmp_path / "restored.sqlite3")

    assert report.problems == ["the audit trail does not verify"]
    assert "content was altered" in report.audit_report


@sqlite_only
@pytest.mark.django_db(transaction=True)
def test_restore_refuses_an_existing_database_file(tmp_path: Path) -> None:
    _clinic_with_history()
    result = backup_create()
    existing = tmp_path / "in-use.sqlite3"
    existing.write_bytes(b"")
    with pytest.raises(CommandError, match="fresh database"):
        call_command("restore", str(result.path), sqlite_path=existing)


@sqlite_only
@pytest.mark.django_db(transaction=True)
def test_it_keeps_only_the_newest_backups(settings: Any) -> None:
    build_personas()
    paths = [backup_create(keep=2).path for _ in range(3)]
    kept = sorted(p.name for p in Path(settings.BACKUP_DIR).glob("*.mdbk"))
    assert kept == sorted(p.name for p in paths[1:])


@sqlite_only
@pytest.mark.django_db(transaction=True)
def test_a_restore_with_the_wrong_key_says_so(tmp_path: Path) -> None:
    build_personas()
    result = backup_create()
    with pytest.raises(BackupDecryptError, match="wrong key"):
        backup_restore(archive=result.path, sqlite_path=tmp_path / "x.sqlite3", key=generate_key())


@pytest.mark.django_db(transaction=True)
def test_a_postgresql_backup_restores_into_a_fresh_database_identical_to_the_original(
    tmp_path: Path,
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip(
            "PostgreSQL backup: run with DATABASE_URL=postgres://... to test pg_dump/pg_restore"
        )
    if not shutil.which("pg_dump") or not shutil.which("pg_restore"):
        pytest.skip("PostgreSQL backup: pg_dump/pg_restore are not installed on this machine")
    _clinic_with_history()
    result = backup_create()
    fresh = f"restore_{uuid.uuid4().hex[:12]}"
    settings_dict = connection.settings_dict
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{fresh}"')
    url = (
        f"postgres://{settings_dict['USER']}@{settings_dict['HOST']}:"
        f"{settings_dict['PORT'] or 5432}/{fresh}"
    )
    try:
        report = backup_restore(archive=result.path, database_url=url)
        assert report.ok, report.problems
        assert "OK" in report.audit_report
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{fresh}" WITH (FORCE)')
