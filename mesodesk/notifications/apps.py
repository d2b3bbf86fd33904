from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "mesodesk.notifications"
    label = "notifications"
    verbose_name = "Outgoing e-mail"
