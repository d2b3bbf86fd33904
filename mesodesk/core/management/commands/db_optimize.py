from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from mesodesk.core.maintenance import database_optimize


class Command(BaseCommand):
    help = "Refreshes the database's query-planner statistics (ANALYZE); runs daily in the worker."

    def handle(self, *args: Any, **options: Any) -> None:
        vendor = database_optimize()
        self.stdout.write(f"Statistics refreshed ({vendor}).")
