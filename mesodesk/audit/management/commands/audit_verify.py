from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from mesodesk.audit.verify import verify_all


class Command(BaseCommand):
    help = "Checks the hash chains of the audit trail and reports the first broken link."

    def handle(self, *args: Any, **options: Any) -> None:
        count, breaks = verify_all()
        if breaks:
            for found in breaks:
                self.stderr.write(f"BROKEN: {found}")
            raise CommandError(f"The audit trail is broken in {len(breaks)} chain(s).")
        self.stdout.write(f"OK: {count} audit events, every chain intact.")
