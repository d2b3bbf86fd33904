from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mesodesk.audit.verify import verify_all


def _moment(text: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


class Command(BaseCommand):
    help = (
        "Checks every audit chain (keyed links, sequence, head) against the signed checkpoints "
        "outside the database and reports every break found."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--database", default="default", help="database alias to check")
        parser.add_argument(
            "--until",
            type=_moment,
            default=None,
            help="compare only with checkpoints written up to this moment (a restored backup)",
        )
        parser.add_argument(
            "--no-checkpoints", action="store_true", help="check the chains on their own"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        count, breaks = verify_all(
            using=options["database"],
            with_checkpoints=not options["no_checkpoints"],
            until=options["until"],
        )
        if breaks:
            for found in breaks:
                self.stderr.write(f"BROKEN: {found}")
            chains = len({b.chain_key for b in breaks})
            raise CommandError(
                f"The audit trail is broken: {len(breaks)} break(s) in {chains} chain(s)."
            )
        self.stdout.write(f"OK: {count} audit events, every chain intact.")
