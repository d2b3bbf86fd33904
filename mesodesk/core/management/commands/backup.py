from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mesodesk.core.backup.archive import BackupError, backup_create
from mesodesk.core.backup.crypto import generate_key


class Command(BaseCommand):
    help = (
        "Writes one encrypted backup (database, manifest, media) to BACKUP_DIR and keeps the "
        "newest BACKUP_KEEP; the worker runs it daily."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--directory", type=Path, default=None)
        parser.add_argument("--keep", type=int, default=None)
        parser.add_argument(
            "--generate-key", action="store_true", help="print a new BACKUP_KEY and exit"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["generate_key"]:
            self.stdout.write(generate_key())
            return
        try:
            result = backup_create(directory=options["directory"], keep=options["keep"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Backup written: {result.path} ({result.tables} tables, {result.rows} rows, "
            f"{result.media_files} media files)."
        )
