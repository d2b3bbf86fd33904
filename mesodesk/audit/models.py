"""The append-only, hash-chained audit trail."""

from __future__ import annotations

from typing import Any, NoReturn

from django.db import models

from mesodesk.audit.chain import KEYED_EPOCH
from mesodesk.audit.choices import AuditAction


class AuditTamperError(RuntimeError):
    """Raised when code tries to change or delete an audit event."""


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AuditTamperError("Audit events are append-only.")

    def delete(self) -> NoReturn:
        raise AuditTamperError("Audit events are append-only.")


class AuditChain(models.Model):
    """The head of one hash chain (one per clinic, plus `global` for events with no clinic)."""

    key = models.CharField(max_length=64, unique=True)
    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="")

    class Meta:
        ordering = ["key"]

    def __str__(self) -> str:
        return f"{self.key} @ {self.last_seq}"


class AuditEvent(models.Model):
    """One look at or change to the record: who, where, what, when, from where; chained."""

    chain_key = models.CharField(max_length=64)
    seq = models.BigIntegerField()
    clinic = models.ForeignKey(
        "accounts.Clinic", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    occurred_at = models.DateTimeField()
    actor = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(max_length=254)
    actor_role = models.CharField(max_length=20, blank=True)
    action = models.CharField(max_length=32, choices=AuditAction.choices)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.UUIDField(null=True, blank=True)
    patient_id = models.UUIDField(null=True, blank=True)
    summary = models.CharField(max_length=200, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=400, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    # 0: unkeyed SHA-256 (written before the key existed); 1: HMAC-SHA256 (see chain.py).
    key_epoch = models.PositiveSmallIntegerField(default=KEYED_EPOCH)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["chain_key", "seq"], name="audit_unique_chain_seq"),
            models.CheckConstraint(
                condition=models.Q(action__in=AuditAction.values), name="audit_action_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["clinic", "occurred_at"], name="audit_clinic_time"),
            models.Index(fields=["clinic", "patient_id", "occurred_at"], name="audit_patient_time"),
            models.Index(fields=["clinic", "actor", "occurred_at"], name="audit_actor_time"),
        ]

    def __str__(self) -> str:
        return (
            f"{self.occurred_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_type}"
        )

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AuditTamperError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AuditTamperError("Audit events are append-only.")


class RefusalTally(models.Model):
    """Refusals of one user on one path in the current window, not yet written as an event.

    The first refusal of a window is an audit event at once; repeats within the window only
    count here, and one event with their number closes the window (no flooding)."""

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="+")
    actor_role = models.CharField(max_length=20, blank=True)
    path = models.CharField(max_length=200)
    status = models.PositiveSmallIntegerField()
    window_start = models.DateTimeField()
    last_at = models.DateTimeField()
    repeats = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["window_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "user", "path"], name="audit_refusal_one_window"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.path} x{self.repeats + 1}"
