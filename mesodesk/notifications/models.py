"""The outbox: every e-mail mesodesk sends is a row, so a failed send is visible and retried."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from mesodesk.core.models import BaseModel
from mesodesk.notifications.choices import EmailStatus


class OutboundEmail(BaseModel):
    """One e-mail to one recipient, with its delivery status and attempts."""

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    to = models.EmailField()
    subject = models.CharField(max_length=200)
    body_text = models.TextField()
    purpose = models.CharField(max_length=40)
    patient_id = models.UUIDField(null=True, blank=True)
    related_type = models.CharField(max_length=64, blank=True)
    related_id = models.UUIDField(null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=EmailStatus.choices, default=EmailStatus.QUEUED
    )
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["clinic", "status", "created_at"], name="email_clinic_status"),
            models.Index(fields=["related_type", "related_id"], name="email_related"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=EmailStatus.values), name="email_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.purpose} → {self.to} ({self.status})"
