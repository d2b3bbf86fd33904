"""Resources (rooms, working hours, absences, appointment types) and appointments.

Every appointment is its own row: a course booked at once is six rows, never a rule that
generates "virtual" occurrences. Times are aware datetimes in UTC; a half-open range
[starts_at, ends_at) is what the no-double-booking guarantee compares."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q

from mesodesk.core.models import BaseModel
from mesodesk.scheduling.choices import AppointmentKind, AppointmentStatus, Weekday


class Room(BaseModel):
    """A treatment or consultation room of a clinic."""

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=80)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "name"], name="room_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class WorkingHours(BaseModel):
    """One block of a practitioner's weekly template (local wall-clock time of the clinic)."""

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    practitioner = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    starts = models.TimeField()
    ends = models.TimeField()

    class Meta:
        ordering = ["practitioner", "weekday", "starts"]
        verbose_name_plural = "working hours"
        constraints = [
            models.CheckConstraint(
                condition=Q(weekday__in=Weekday.values), name="working_hours_weekday_valid"
            ),
            models.CheckConstraint(condition=Q(ends__gt=F("starts")), name="working_hours_order"),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.starts:%H:%M}-{self.ends:%H:%M}"


class WorkingHoursException(BaseModel):
    """A dated change to the weekly template: the day's hours instead of the template's, or
    no hours at all (`starts` and `ends` empty) for a day off."""

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    practitioner = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    date = models.DateField()
    starts = models.TimeField(null=True, blank=True)
    ends = models.TimeField(null=True, blank=True)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["practitioner", "date", "starts"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(starts__isnull=True) & Q(ends__isnull=True))
                | (Q(starts__isnull=False) & Q(ends__gt=F("starts"))),
                name="working_exception_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date}: {self.starts or 'off'}-{self.ends or ''}"


class Absence(BaseModel):
    """A practitioner away (leave, training, illness) over an aware half-open range."""

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    practitioner = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="absence_order"),
        ]

    def __str__(self) -> str:
        return f"absent {self.starts_at:%Y-%m-%d %H:%M}-{self.ends_at:%Y-%m-%d %H:%M}"


class AppointmentType(BaseModel):
    """A kind of visit with its length and the buffer kept free after it (clinic-configured).
    A treatment session's length adds the protocol's anaesthetic wait at booking."""

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=AppointmentKind.choices)
    name = models.CharField(max_length=80)
    duration_minutes = models.PositiveIntegerField()
    buffer_minutes = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "name"], name="appointment_type_name_unique"),
            models.CheckConstraint(
                condition=Q(kind__in=AppointmentKind.values), name="appointment_type_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=5, duration_minutes__lte=480),
                name="appointment_type_duration_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Appointment(BaseModel):
    """One visit of one patient with one practitioner (and a room), its own row."""

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    practitioner = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    room = models.ForeignKey(
        Room, on_delete=models.PROTECT, null=True, blank=True, related_name="appointments"
    )
    appointment_type = models.ForeignKey(
        AppointmentType, on_delete=models.PROTECT, related_name="appointments"
    )
    kind = models.CharField(max_length=16, choices=AppointmentKind.choices)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    buffer_minutes = models.PositiveIntegerField(default=0)
    # ends_at plus the buffer: the practitioner and the room are held until then; the patient
    # only until ends_at.
    blocked_until = models.DateTimeField()
    status = models.CharField(
        max_length=16, choices=AppointmentStatus.choices, default=AppointmentStatus.BOOKED
    )
    # A course's session: the plan and which session of it; the session row itself is made
    # at check-in, so its date and time are the appointment's.
    plan = models.ForeignKey(
        "treatments.TreatmentPlan",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    session_number = models.PositiveIntegerField(null=True, blank=True)
    session = models.OneToOneField(
        "treatment_sessions.TreatmentSession",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="appointment",
    )
    session_problem = models.CharField(
        max_length=500, blank=True, help_text="Why no session could be made at check-in."
    )
    window_earliest = models.DateField(null=True, blank=True)
    window_latest = models.DateField(null=True, blank=True)
    outside_window_reason = models.CharField(max_length=500, blank=True)
    note = models.CharField(
        max_length=500, blank=True, help_text="Front-desk note; no clinical detail."
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    checked_in_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=500, blank=True)
    # iCalendar SEQUENCE: raised on every change a calendar client must notice.
    sequence = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["starts_at"]
        indexes = [
            models.Index(fields=["clinic", "starts_at"], name="appt_clinic_start"),
            models.Index(fields=["practitioner", "starts_at"], name="appt_practitioner_start"),
            models.Index(fields=["room", "starts_at"], name="appt_room_start"),
            models.Index(fields=["patient", "starts_at"], name="appt_patient_start"),
            models.Index(fields=["plan", "session_number"], name="appt_plan_session"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=AppointmentKind.values), name="appointment_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=AppointmentStatus.values), name="appointment_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="appointment_order"
            ),
            models.CheckConstraint(
                condition=Q(blocked_until__gte=F("ends_at")), name="appointment_blocked_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def is_live(self) -> bool:
        return self.status not in (AppointmentStatus.CANCELLED, AppointmentStatus.DID_NOT_ATTEND)
