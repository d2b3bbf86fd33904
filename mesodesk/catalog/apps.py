from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _sync_ingredients(sender: Any, **kwargs: Any) -> None:
    from mesodesk.catalog.services import ingredients_sync

    ingredients_sync()


class CatalogConfig(AppConfig):
    name = "mesodesk.catalog"
    label = "catalog"
    verbose_name = "Catalog, stock and protocols"

    def ready(self) -> None:
        post_migrate.connect(_sync_ingredients, sender=self, dispatch_uid="catalog-ingredients")
