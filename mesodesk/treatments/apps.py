from django.apps import AppConfig


class TreatmentsConfig(AppConfig):
    name = "mesodesk.treatments"
    label = "treatments"
    verbose_name = "Treatment plans"

    def ready(self) -> None:
        from mesodesk.patients.panels import ChartPanel, register_chart_panel
        from mesodesk.treatments import receivers  # noqa: F401  (re-screens open plans)

        register_chart_panel(ChartPanel("plans", "Treatment plans", "treatments:panel", order=20))
