from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "mesodesk.audit"
    label = "audit"
    verbose_name = "Audit trail"

    def ready(self) -> None:
        from mesodesk.audit import (  # noqa: F401  (login receivers, deploy checks)
            checks,
            receivers,
        )
