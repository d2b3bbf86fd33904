from django.apps import AppConfig


class KnowledgeConfig(AppConfig):
    name = "mesodesk.knowledge"
    label = "knowledge"
    verbose_name = "Clinical knowledge base"

    def ready(self) -> None:
        # Load and validate the data files at start-up: a malformed file must fail loudly here,
        # not on the first screening of the day.
        from mesodesk.knowledge.loader import knowledge

        knowledge()
