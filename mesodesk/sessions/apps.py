from django.apps import AppConfig


class SessionsConfig(AppConfig):
    """The treatment room: sessions of a plan, charting, signing, addenda and aftercare.

    Its label is not "sessions": Django's own session app has that one."""

    name = "mesodesk.sessions"
    label = "treatment_sessions"
    verbose_name = "Treatment sessions"

    def ready(self) -> None:
        from mesodesk.catalog.panels import register_lot_panel
        from mesodesk.patients.panels import ChartPanel
        from mesodesk.treatments.panels import register_plan_panel

        register_plan_panel(ChartPanel("sessions", "Sessions", "sessions:plan_panel", order=20))
        register_lot_panel(
            ChartPanel("recipients", "Patients who received this lot", "sessions:lot_recipients")
        )
