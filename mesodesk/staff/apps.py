from django.apps import AppConfig


class StaffConfig(AppConfig):
    name = "mesodesk.staff"
    label = "staff"
    verbose_name = "Staff and access"

    def ready(self) -> None:
        from mesodesk.accounts.access import register_chart_elevation
        from mesodesk.staff import receivers  # noqa: F401 - connects the log-in receiver
        from mesodesk.staff.breakglass import break_glass_elevation

        register_chart_elevation(break_glass_elevation)
