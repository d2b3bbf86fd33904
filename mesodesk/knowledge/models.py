"""The knowledge base in the database: each loaded release, and each clinic's changes."""

from __future__ import annotations

from typing import Any, NoReturn

from django.db import models
from django.db.models import Q

from mesodesk.core.models import BaseModel


class KnowledgeRelease(BaseModel):
    """A knowledge version as it was loaded: the full content, kept for every later lookup."""

    version = models.CharField(max_length=64, unique=True)
    reference = models.CharField(max_length=200)
    content = models.JSONField()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.version


class ClinicKnowledgeChange(BaseModel):
    """One change a clinic admin made to the knowledge base for their clinic (append-only)."""

    class Target(models.TextChoices):
        RULE = "rule", "Rule"
        RULE_ADDED = "rule_added", "Added rule"
        CONDITION = "condition", "Condition"
        SETTING = "setting", "Setting"
        LIMIT = "limit", "Ingredient limit"
        AFTERCARE = "aftercare", "Aftercare item"

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    revision = models.PositiveIntegerField()
    target_kind = models.CharField(max_length=12, choices=Target.choices)
    target_code = models.CharField(max_length=80)
    change = models.JSONField()
    reason = models.TextField(blank=True)
    knowledge_version = models.CharField(max_length=64)
    changed_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["clinic", "revision"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "revision"], name="knowledge_change_rev"),
            models.CheckConstraint(
                condition=Q(
                    target_kind__in=[
                        "rule",
                        "rule_added",
                        "condition",
                        "setting",
                        "limit",
                        "aftercare",
                    ]
                ),
                name="knowledge_change_target_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"r{self.revision} {self.target_kind} {self.target_code}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError("Knowledge changes are append-only; record a new change.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise ValueError("Knowledge changes are append-only; record a new change.")
