from django.db import models


class AppointmentKind(models.TextChoices):
    """What an appointment is for; a treatment session's length comes from its protocol."""

    CONSULTATION = "consultation", "Consultation"
    TREATMENT = "treatment", "Treatment session"
    FOLLOW_UP = "follow_up", "Follow-up assessment"
    PHOTO_VISIT = "photo_visit", "Photo visit"


class AppointmentStatus(models.TextChoices):
    BOOKED = "booked", "Booked (not confirmed)"
    CONFIRMED = "confirmed", "Confirmed"
    CHECKED_IN = "checked_in", "Checked in"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"
    DID_NOT_ATTEND = "did_not_attend", "Did not attend"


# Live appointments hold their time: no two of a practitioner, room or patient may overlap.
LIVE_STATUSES = (
    AppointmentStatus.BOOKED,
    AppointmentStatus.CONFIRMED,
    AppointmentStatus.CHECKED_IN,
    AppointmentStatus.COMPLETED,
)
# Statuses from which an appointment may still be moved, cancelled or checked in.
OPEN_STATUSES = (AppointmentStatus.BOOKED, AppointmentStatus.CONFIRMED)


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"
