from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from mesodesk.audit.checkpoints import checkpoint_write


class Command(BaseCommand):
    help = "Appends a signed checkpoint of every audit chain head (the worker does it on a timer)."

    def handle(self, *args: Any, **options: Any) -> None:
        line = checkpoint_write()
        self.stdout.write(f"Checkpoint at {line['at']} over {len(line['heads'])} chain(s).")
