from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from mesodesk.knowledge.services import knowledge_release_load


class Command(BaseCommand):
    help = "Validates the knowledge data files and stores this release in the database."

    def handle(self, *args: Any, **options: Any) -> None:
        release, created = knowledge_release_load()
        state = "loaded" if created else "already loaded"
        self.stdout.write(f"Knowledge base {release.version}: {state}.")
