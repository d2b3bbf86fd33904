from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "mesodesk.audit"
    label = "audit"
    verbose_name = "Audit trail"

    def ready(self) -> None:
        from mesodesk.audit import receivers  # noqa: F401  (connects the login receivers)
