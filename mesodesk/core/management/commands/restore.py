from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mesodesk.core.backup.archive import BackupError
from mesodesk.core.backup.crypto import BackupDecryptError
from mesodesk.core.backup.restore import backup_restore


class Command(BaseCommand):
    help = (
        "Restores a backup into a FRESH database (a new SQLite file or an empty PostgreSQL "
        "database), then compares every table with the backup's manifest and runs audit_verify."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", type=Path)
        parser.add_argument("--sqlite-path", type=Path, default=None)
        parser.add_argument("--database-url", default="")
        parser.add_argument("--media-to", type=Path, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = backup_restore(
                archive=options["archive"],
                sqlite_path=options["sqlite_path"],
                database_url=options["database_url"],
                media_to=options["media_to"],
            )
        except (BackupError, BackupDecryptError) as exc:
            raise CommandError(str(exc)) from exc
        tables = report.manifest["tables"]
        rows = sum(t["rows"] for t in tables.values())
        self.stdout.write(f"Restored into {report.target}: {len(tables)} tables, {rows} rows.")
        self.stdout.write(f"Audit: {report.audit_report}")
        if not report.ok:
            for problem in report.problems:
                self.stderr.write(f"MISMATCH: {problem}")
            raise CommandError("The restored database differs from the backup.")
        self.stdout.write("Every table matches the backup (row counts and checksums).")
