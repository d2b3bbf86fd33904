from django.contrib import admin

from mesodesk.staff.models import BreakGlassGrant, Invitation, OrganizationAdmin


@admin.register(OrganizationAdmin)
class OrganizationAdminAdmin(admin.ModelAdmin[OrganizationAdmin]):
    list_display = ("user", "organization", "is_active")
    list_filter = ("organization", "is_active")
    readonly_fields = ("user", "organization", "is_active")

    def has_add_permission(self, request: object) -> bool:
        return False  # granted with `manage.py staff_organization_admin`, which audits it


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin[Invitation]):
    list_display = ("email", "clinic", "role", "expires_at", "used_at", "revoked_at")
    readonly_fields = [f.name for f in Invitation._meta.fields]

    def has_add_permission(self, request: object) -> bool:
        return False


@admin.register(BreakGlassGrant)
class BreakGlassGrantAdmin(admin.ModelAdmin[BreakGlassGrant]):
    list_display = ("created_at", "clinic", "user", "role", "expires_at", "reviewed_at")
    readonly_fields = [f.name for f in BreakGlassGrant._meta.fields]

    def has_add_permission(self, request: object) -> bool:
        return False
