from django.apps import AppConfig


class ScreeningConfig(AppConfig):
    name = "mesodesk.screening"
    label = "screening"
    verbose_name = "Contraindication screening"

    def ready(self) -> None:
        from mesodesk.patients.panels import ChartPanel, register_chart_panel
        from mesodesk.screening import receivers  # noqa: F401  (re-screens on history changes)

        register_chart_panel(ChartPanel("screening", "Screening", "screening:panel", order=10))
