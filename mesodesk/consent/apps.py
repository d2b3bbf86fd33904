from django.apps import AppConfig


class ConsentConfig(AppConfig):
    name = "mesodesk.consent"
    label = "consent"
    verbose_name = "Informed consent"

    def ready(self) -> None:
        from mesodesk.patients.panels import ChartPanel
        from mesodesk.treatments.panels import register_plan_panel

        register_plan_panel(ChartPanel("consent", "Consent", "consent:plan_panel", order=10))
