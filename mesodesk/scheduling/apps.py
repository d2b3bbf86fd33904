from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    """The clinic's day: resources, appointments, course booking, recalls and the iCal feed."""

    name = "mesodesk.scheduling"
    label = "scheduling"
    verbose_name = "Scheduling"
