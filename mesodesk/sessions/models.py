"""Treatment sessions: the checklist, what was injected where, the signature, addenda and
the aftercare sheet. The tables keep the names they had in `treatments` (no data moved)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from mesodesk.core.models import BaseModel
from mesodesk.sessions.choices import CourseTiming, IncidentKind, PointKind, SessionStatus


class ImmutableSessionError(RuntimeError):
    """Raised when code tries to change a signed session or its charted points."""


class TreatmentSession(BaseModel):
    """One session of a plan: its checklist, what was injected where, and its signature."""

    audit_object_type = "treatments.TreatmentSession"  # its events' name before the move

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    plan = models.ForeignKey(
        "treatments.TreatmentPlan", on_delete=models.PROTECT, related_name="sessions"
    )
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    number = models.PositiveIntegerField()
    status = models.CharField(
        max_length=16, choices=SessionStatus.choices, default=SessionStatus.SCHEDULED
    )
    scheduled_at = models.DateTimeField(
        null=True, blank=True, help_text="The appointment's start, for a session made at check-in."
    )
    checked_in_at = models.DateTimeField(null=True, blank=True)
    facts_reconfirmed_at = models.DateTimeField(null=True, blank=True)
    facts_reconfirmed_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    screening = models.ForeignKey(
        "screening.Screening",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Today's screening of the plan, made when the facts were re-confirmed.",
    )
    consent = models.ForeignKey(
        "consent.Consent",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The consent that allowed the procedure when it started.",
    )
    photos_confirmed_at = models.DateTimeField(null=True, blank=True)
    antisepsis_agent = models.CharField(max_length=40, blank=True)
    antisepsis_at = models.DateTimeField(null=True, blank=True)
    anaesthetic_product = models.CharField(max_length=120, blank=True)
    anaesthetic_applied_at = models.DateTimeField(null=True, blank=True)
    anaesthetic_minutes_required = models.PositiveIntegerField(null=True, blank=True)
    anaesthetic_minutes_at_start = models.PositiveIntegerField(null=True, blank=True)
    practitioner = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    assistant = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    notes = models.TextField(blank=True, max_length=4000)
    immediate_reactions = models.TextField(blank=True, max_length=2000)
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reauthenticated_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the signer re-entered their password or signing PIN to sign.",
    )
    totals = models.JSONField(default=list, blank=True)
    end_reason = models.TextField(blank=True, max_length=2000)
    timing = models.CharField(
        max_length=8, choices=CourseTiming.choices, default=CourseTiming.ON_TIME
    )
    timing_reason = models.TextField(
        blank=True, max_length=2000, help_text="Why the session starts before its window."
    )
    window_earliest = models.DateField(null=True, blank=True)
    window_latest = models.DateField(null=True, blank=True)
    lot_flags = models.JSONField(
        default=list,
        blank=True,
        help_text="Lots that were usable when charted but not when signed (recalled, expired, "
        "quarantined): [{lot, lot_number, product, state}], fixed at signing.",
    )
    _loaded_status: str | None = None  # the status the row had when loaded (see save)

    class Meta:
        db_table = "treatments_treatmentsession"
        ordering = ["plan", "number"]
        indexes = [models.Index(fields=["clinic", "patient", "status"], name="session_patient")]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="session_number_per_plan"),
            models.CheckConstraint(
                condition=Q(status__in=SessionStatus.values), name="session_status_valid"
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="session_number_positive"),
            models.CheckConstraint(
                condition=Q(timing__in=CourseTiming.values), name="session_timing_valid"
            ),
            models.CheckConstraint(
                condition=~Q(timing=CourseTiming.EARLY) | ~Q(timing_reason=""),
                name="session_early_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"Session {self.number} ({self.status})"

    @classmethod
    def from_db(
        cls, db: str | None, field_names: Any, values: Any, **kwargs: Any
    ) -> TreatmentSession:
        instance = super().from_db(db, field_names, values, **kwargs)
        # What the database held when loaded: a signed row is never written again.
        instance._loaded_status = getattr(instance, "status", None)
        return instance

    def save(self, *args: Any, **kwargs: Any) -> None:
        if getattr(self, "_loaded_status", None) == SessionStatus.SIGNED:
            raise ImmutableSessionError("A signed session is never changed; add an addendum.")
        super().save(*args, **kwargs)
        self._loaded_status = self.status

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        if self.status == SessionStatus.SIGNED:
            raise ImmutableSessionError("A signed session is never deleted.")
        return super().delete(*args, **kwargs)


class InjectionPoint(BaseModel):
    """One injection point (or a zone worked by nappage) on a map view of the session."""

    audit_object_type = "treatments.InjectionPoint"  # its events' name before the move

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    session = models.ForeignKey(TreatmentSession, on_delete=models.PROTECT, related_name="points")
    kind = models.CharField(max_length=6, choices=PointKind.choices, default=PointKind.POINT)
    view = models.CharField(max_length=20)
    x = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    y = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    region = models.CharField(max_length=40, help_text="The body area (knowledge base code).")
    side = models.CharField(max_length=5, blank=True)
    region_label = models.CharField(max_length=80, blank=True)
    product = models.ForeignKey("catalog.Product", on_delete=models.PROTECT, related_name="+")
    lot = models.ForeignKey(
        "catalog.Lot", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    volume_ml = models.DecimalField(
        max_digits=6,
        decimal_places=3,
        validators=[MinValueValidator(Decimal("0.001")), MaxValueValidator(Decimal(50))],
    )
    depth_mm = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(20))],
    )
    technique = models.CharField(max_length=40, blank=True)
    needle = models.CharField(max_length=80, blank=True)
    volume_confirmed = models.BooleanField(
        default=False, help_text="The clinician confirmed a volume outside the plausible range."
    )
    over_limit_reason = models.TextField(
        blank=True,
        max_length=2000,
        help_text="Why charting went on when this point took a total over a hard limit.",
    )
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")

    class Meta:
        db_table = "treatments_injectionpoint"
        ordering = ["created_at"]
        indexes = [
            models.Index(fields=["session", "region"], name="point_session_region"),
            models.Index(fields=["lot"], name="point_lot"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(volume_ml__gt=0), name="point_volume_positive"),
            models.CheckConstraint(condition=Q(kind__in=PointKind.values), name="point_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.volume_ml} mL at {self.region}"

    def _guard(self) -> None:
        if TreatmentSession.objects.filter(
            pk=self.session_id, status=SessionStatus.SIGNED
        ).exists():
            raise ImmutableSessionError("The points of a signed session are never changed.")

    def save(self, *args: Any, **kwargs: Any) -> None:
        self._guard()
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        self._guard()
        return super().delete(*args, **kwargs)


class SessionAddendum(BaseModel):
    """A signed correction or addition to a signed session; the session itself never changes."""

    audit_object_type = "treatments.SessionAddendum"  # its events' name before the move

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    session = models.ForeignKey(TreatmentSession, on_delete=models.PROTECT, related_name="addenda")
    text = models.TextField(max_length=4000)
    signed_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    reauthenticated_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the signer re-entered their password or signing PIN to sign.",
    )

    class Meta:
        db_table = "treatments_sessionaddendum"
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"Addendum to {self.session_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ImmutableSessionError("An addendum is signed and never changed.")
        super().save(*args, **kwargs)


class SessionIncident(BaseModel):
    """An incident opened automatically on the record (today: a hard dose limit exceeded and
    signed with a reason). The future adverse-event register absorbs these notes."""

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    session = models.ForeignKey(
        TreatmentSession, on_delete=models.PROTECT, related_name="incidents"
    )
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=40, choices=IncidentKind.choices)
    ingredient = models.CharField(max_length=60, blank=True)
    total = models.CharField(max_length=40, blank=True)
    limit = models.CharField(max_length=40, blank=True)
    message = models.TextField(blank=True, max_length=2000)
    reason = models.TextField(max_length=4000)
    recorded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["recorded_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=IncidentKind.values), name="session_incident_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"Incident {self.kind} on {self.session_id}"


class AftercareSheet(BaseModel):
    """The aftercare instructions generated for a session from the knowledge base."""

    audit_object_type = "treatments.AftercareSheet"  # its events' name before the move

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    session = models.OneToOneField(
        TreatmentSession, on_delete=models.PROTECT, related_name="aftercare"
    )
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    content = models.JSONField()
    knowledge_version = models.CharField(max_length=80)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        db_table = "treatments_aftercaresheet"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Aftercare for {self.session_id}"


class AftercareVersion(BaseModel):
    """Every version of a session's aftercare as it was generated (the sheet holds the
    latest); an e-mail to the patient is linked to the version it carried."""

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    sheet = models.ForeignKey(AftercareSheet, on_delete=models.PROTECT, related_name="versions")
    version = models.PositiveIntegerField()
    content = models.JSONField()
    knowledge_version = models.CharField(max_length=80)
    from_signed_record = models.BooleanField(default=False)

    class Meta:
        ordering = ["sheet", "version"]
        constraints = [
            models.UniqueConstraint(fields=["sheet", "version"], name="aftercare_version_unique")
        ]

    def __str__(self) -> str:
        return f"Aftercare {self.sheet_id} v{self.version}"
