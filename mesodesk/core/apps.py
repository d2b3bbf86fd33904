from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "mesodesk.core"
    label = "core"
    verbose_name = "mesodesk core"
