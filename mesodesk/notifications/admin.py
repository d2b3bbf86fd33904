from django.contrib import admin
from django.http import HttpRequest

from mesodesk.notifications.models import OutboundEmail


@admin.register(OutboundEmail)
class OutboundEmailAdmin(admin.ModelAdmin[OutboundEmail]):
    list_display = ("created_at", "purpose", "to", "status", "attempts", "clinic")
    list_filter = ("status", "purpose", "clinic")
    exclude = ("body_text",)
    readonly_fields = ("to", "subject", "purpose", "status", "attempts", "last_error", "sent_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
