from django.db import models


class AuditAction(models.TextChoices):
    CREATE = "create", "Create"
    UPDATE = "update", "Update"
    DELETE = "delete", "Delete"
    READ = "read", "Read"
    EXPORT = "export", "Export"
    SEND = "send", "Send"
    SUBMIT = "submit", "Submit"
    ACCEPT = "accept", "Accept"
    REJECT = "reject", "Reject"
    LOGIN = "login", "Log in"
    LOGOUT = "logout", "Log out"
    LOGIN_FAILED = "login_failed", "Failed log-in"
    SELECT_CLINIC = "select_clinic", "Select clinic"
    REFUSED = "refused", "Refused access"
