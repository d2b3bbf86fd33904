"""Treatment plans: indication, areas, protocol and the dose-checked mix."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from mesodesk.core.models import BaseModel
from mesodesk.treatments.choices import PlanStatus
from mesodesk.treatments.fields import SESSIONS_PLANNED, TOPICAL_ANAESTHETIC_G
from mesodesk.treatments.progress import Schedule


def _empty_list() -> list[str]:
    return []


class TreatmentPlan(BaseModel):
    """A course for one patient: what, where, which protocol and which mix."""

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    indication = models.CharField(max_length=40)
    areas = models.JSONField(default=_empty_list)
    protocol = models.ForeignKey(
        "catalog.Protocol", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    sessions_planned = models.PositiveIntegerField(
        null=True, blank=True, validators=SESSIONS_PLANNED.validators()
    )
    topical_anaesthetic_g = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=TOPICAL_ANAESTHETIC_G.validators(),
        help_text="Grams of topical anaesthetic cream per session, when the clinic counts it.",
    )
    status = models.CharField(max_length=10, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    status_reason = models.TextField(blank=True)
    notes = models.TextField(blank=True)
    content_changed_at = models.DateTimeField()
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    activated_at = models.DateTimeField(null=True, blank=True)
    activated_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["clinic", "patient", "status"], name="plan_patient")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=PlanStatus.values), name="plan_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indication} plan ({self.status})"

    @property
    def planned_sessions(self) -> int:
        """Sessions of the course: the plan's own number, else its protocol's, else one."""
        if self.sessions_planned:
            return self.sessions_planned
        return self.protocol.sessions if self.protocol is not None else 1

    @property
    def schedule(self) -> Schedule | None:
        """The protocol's spacing of the sessions, as plain data (None without a protocol)."""
        protocol = self.protocol
        if protocol is None:
            return None
        return Schedule(
            days=tuple(protocol.schedule_days or ()),
            interval_min_days=protocol.interval_min_days,
            interval_max_days=protocol.interval_max_days,
        )

    @property
    def editable(self) -> bool:
        return self.status == PlanStatus.DRAFT


class MixLine(BaseModel):
    """A product of the mix and the volume of it per session (optionally for one area)."""

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    plan = models.ForeignKey(TreatmentPlan, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey("catalog.Product", on_delete=models.PROTECT, related_name="+")
    volume_ml = models.DecimalField(
        max_digits=7,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal(500))],
    )
    area = models.CharField(max_length=40, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(volume_ml__gt=0), name="mixline_volume_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.volume_ml} mL of {self.product_id}"
