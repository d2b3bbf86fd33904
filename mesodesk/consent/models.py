"""Consent templates (versioned per indication) and signed consents (frozen text + signature)."""

from __future__ import annotations

import uuid
from typing import Any

from django.db import models
from django.db.models import Q

from mesodesk.consent.choices import ConsentStatus, TemplateStatus
from mesodesk.core.models import BaseModel

DEFAULT_WITHDRAWAL = (
    "You may withdraw your consent at any time, before or between sessions, without giving a "
    "reason. Withdrawing does not affect the care you receive otherwise."
)
DEFAULT_PHOTOS = (
    "Standard photographs help measure the result. They are kept in your record, never "
    "published, and you may refuse them without affecting your treatment."
)
DEFAULT_ALTERNATIVES = "No treatment. Other treatments your clinician can discuss with you."


def _no_statements() -> list[str]:
    return []


class ConsentTemplate(BaseModel):
    """The clinic's wording around the generated consent text, for one indication; versioned."""

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    family = models.UUIDField(default=uuid.uuid4)
    version = models.PositiveIntegerField(default=1)
    status = models.CharField(
        max_length=10, choices=TemplateStatus.choices, default=TemplateStatus.DRAFT
    )
    indication = models.CharField(max_length=40)
    title = models.CharField(max_length=200)
    introduction = models.TextField(blank=True, max_length=4000)
    alternatives = models.TextField(default=DEFAULT_ALTERNATIVES, max_length=4000)
    withdrawal_text = models.TextField(default=DEFAULT_WITHDRAWAL, max_length=2000)
    photo_text = models.TextField(default=DEFAULT_PHOTOS, max_length=2000)
    extra_statements = models.JSONField(default=_no_statements, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["indication", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["family", "version"], name="consent_tpl_version"),
            models.UniqueConstraint(
                fields=["clinic", "indication"],
                condition=Q(status="published"),
                name="consent_tpl_one_published_per_indication",
            ),
            models.CheckConstraint(
                condition=Q(status__in=TemplateStatus.values), name="consent_tpl_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"


class Consent(BaseModel):
    """A patient's informed consent to a plan: the exact text they read, its hash, what they
    ticked, their drawn signature and the practitioner's countersignature."""

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    plan = models.ForeignKey("treatments.TreatmentPlan", on_delete=models.PROTECT, related_name="+")
    template = models.ForeignKey(ConsentTemplate, on_delete=models.PROTECT, related_name="+")
    plan_changed_at = models.DateTimeField(help_text="The plan version the consent covers.")
    knowledge_version = models.CharField(max_length=80)
    status = models.CharField(max_length=10, choices=ConsentStatus.choices)
    rendered_text = models.TextField()
    text_sha256 = models.CharField(max_length=64)
    statements = models.JSONField()
    accepted = models.JSONField()
    photo_consent = models.BooleanField()
    signer_name = models.CharField(max_length=200)
    signature_png = models.BinaryField()
    signed_at = models.DateTimeField()
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=400, blank=True)
    presented_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    countersigned_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    countersigned_at = models.DateTimeField(null=True, blank=True)
    reauthenticated_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the countersigner re-entered their password or signing PIN.",
    )
    pdf = models.BinaryField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawal_reason = models.TextField(blank=True)
    withdrawal_recorded_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-signed_at"]
        indexes = [models.Index(fields=["plan", "signed_at"], name="consent_plan")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ConsentStatus.values), name="consent_status_valid"
            ),
            models.CheckConstraint(condition=~Q(signer_name=""), name="consent_signer_named"),
            # The status says what the timestamps record; it can never disagree with them.
            models.CheckConstraint(
                condition=Q(
                    status=ConsentStatus.AWAITING_COUNTERSIGNATURE,
                    countersigned_at__isnull=True,
                    withdrawn_at__isnull=True,
                )
                | Q(
                    status=ConsentStatus.SIGNED,
                    countersigned_at__isnull=False,
                    withdrawn_at__isnull=True,
                )
                | Q(status=ConsentStatus.WITHDRAWN, withdrawn_at__isnull=False),
                name="consent_status_matches_timestamps",
            ),
        ]

    def __str__(self) -> str:
        return f"Consent {self.status} for plan {self.plan_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The signed text, hash, ticks and signature never change; only the countersignature,
        # the stored PDF and a withdrawal are added later (through update_fields).
        if not self._state.adding:
            allowed = {
                "status",
                "countersigned_by",
                "countersigned_at",
                "reauthenticated_at",
                "pdf",
                "withdrawn_at",
                "withdrawal_reason",
                "withdrawal_recorded_by",
                "updated_at",
            }
            fields = set(kwargs.get("update_fields") or ())
            if not fields or not fields <= allowed:
                raise ValueError("A signed consent is frozen; record a new one.")
        super().save(*args, **kwargs)
