from django.contrib import admin

from mesodesk.scheduling.models import AppointmentType, Room


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin[Room]):
    list_display = ("name", "clinic", "is_active")


@admin.register(AppointmentType)
class AppointmentTypeAdmin(admin.ModelAdmin[AppointmentType]):
    list_display = ("name", "kind", "duration_minutes", "buffer_minutes", "clinic")
