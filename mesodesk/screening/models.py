"""Stored screenings (immutable) and practitioners' overrides of them."""

from __future__ import annotations

from typing import Any, NoReturn

from django.db import models
from django.db.models import Q

from mesodesk.core.models import BaseModel
from mesodesk.screening.choices import ScreeningReason, Verdict


class ImmutableError(RuntimeError):
    """Raised when code tries to change a stored screening or override."""


class Screening(BaseModel):
    """One run of the screening engine: its input, verdict, findings and versions. Immutable."""

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.CASCADE, related_name="+")
    performed_at = models.DateTimeField()
    performed_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(max_length=20, choices=ScreeningReason.choices)
    screened_on = models.DateField(help_text="The date the facts were judged against.")
    indication = models.CharField(max_length=40, blank=True)
    areas = models.JSONField(default=list)
    ingredients = models.JSONField(default=list)
    plan_id = models.UUIDField(null=True, blank=True)
    input_snapshot = models.JSONField()
    verdict = models.CharField(max_length=16, choices=Verdict.choices)
    findings = models.JSONField(default=list)
    engine_version = models.CharField(max_length=32)
    knowledge_version = models.CharField(max_length=80)

    class Meta:
        ordering = ["-performed_at"]
        indexes = [
            models.Index(fields=["patient", "performed_at"], name="screening_patient_time"),
            models.Index(fields=["plan_id", "performed_at"], name="screening_plan_time"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(verdict__in=Verdict.values), name="screening_verdict_valid"
            ),
            models.CheckConstraint(
                condition=Q(reason__in=ScreeningReason.values), name="screening_reason_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.verdict} ({self.performed_at:%Y-%m-%d %H:%M})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ImmutableError("A screening is immutable; run a new one.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise ImmutableError("A screening is immutable.")

    @property
    def overridable(self) -> bool:
        """Whether a practitioner may override it: every finding's rules allow it."""
        return self.verdict != "eligible" and all(f["overridable"] for f in self.findings)

    @property
    def is_general(self) -> bool:
        return not (self.indication or self.areas or self.ingredients)


class ScreeningOverride(BaseModel):
    """A practitioner's written decision to proceed despite a screening's findings."""

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    screening = models.OneToOneField(Screening, on_delete=models.CASCADE, related_name="override")
    reason = models.TextField()
    overridden_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    rule_ids = models.JSONField(default=list)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Override of {self.screening_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ImmutableError("An override is immutable.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise ImmutableError("An override is immutable.")
