from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "mesodesk.demo"
    label = "demo"
    verbose_name = "Demo and benchmark data"
