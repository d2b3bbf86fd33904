from django.db import models


class SessionStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    CHECKED_IN = "checked_in", "Checked in"
    PREPARATION = "preparation", "Preparation"
    IN_PROCEDURE = "in_procedure", "In procedure"
    COMPLETED = "completed", "Completed"
    SIGNED = "signed", "Signed"
    CANCELLED = "cancelled", "Cancelled"
    DID_NOT_ATTEND = "did_not_attend", "Did not attend"


OPEN_SESSION_STATUSES = [
    SessionStatus.SCHEDULED,
    SessionStatus.CHECKED_IN,
    SessionStatus.PREPARATION,
    SessionStatus.IN_PROCEDURE,
    SessionStatus.COMPLETED,
]


class PointKind(models.TextChoices):
    POINT = "point", "Injection point"
    ZONE = "zone", "Zone (nappage or area work)"


class CourseTiming(models.TextChoices):
    """When a session was scheduled against its course's window (from the protocol)."""

    ON_TIME = "on_time", "Inside the course window"
    EARLY = "early", "Earlier than the course window"
    LATE = "late", "Later than the course window"


class IncidentKind(models.TextChoices):
    DOSE_LIMIT_EXCEEDED = "dose_limit_exceeded", "Dose limit exceeded"
