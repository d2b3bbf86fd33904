from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _load_release(sender: Any, using: str = "default", **kwargs: Any) -> None:
    from mesodesk.knowledge.services import knowledge_release_load

    knowledge_release_load()


class KnowledgeConfig(AppConfig):
    name = "mesodesk.knowledge"
    label = "knowledge"
    verbose_name = "Clinical knowledge base"

    def ready(self) -> None:
        # Load and validate the data files at start-up: a malformed file must fail loudly here,
        # not on the first screening of the day.
        from mesodesk.knowledge.loader import knowledge

        knowledge()
        # `migrate` stores the shipped release (idempotently), so a fresh database has it.
        post_migrate.connect(_load_release, sender=self, dispatch_uid="knowledge-release")
