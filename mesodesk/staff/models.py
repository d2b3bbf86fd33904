"""Who may manage staff, invitations, the sessions a user holds, and break-glass access."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from mesodesk.accounts.choices import Role
from mesodesk.core.models import BaseModel


class OrganizationAdmin(BaseModel):
    """A user who manages staff in every clinic of one organization."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="organization_admin_of"
    )
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="admins"
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["organization__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organization"], name="organization_admin_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — admin of {self.organization}"


class Invitation(BaseModel):
    """A single-use, expiring set-password link for a new member of a clinic.

    The token is a signature of the row's id: nothing secret is stored; expiry, use and
    revocation live here and use is a conditional UPDATE, so a link works once.
    """

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.CASCADE, related_name="+")
    email = models.EmailField()
    full_name = models.CharField(max_length=200)
    role = models.CharField(max_length=20, choices=Role.choices)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(role__in=Role.values), name="invitation_role_valid"),
        ]

    def __str__(self) -> str:
        return f"Invitation of {self.email} to {self.clinic}"


class SessionRecord(models.Model):
    """A web session a user logged in with, so deactivation can end it at once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    session_key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"session of {self.user_id}"


class AccessPolicy(BaseModel):
    """A clinic's own access settings (an operational choice, not a clinical number)."""

    clinic = models.OneToOneField(
        "accounts.Clinic", on_delete=models.CASCADE, related_name="access_policy"
    )
    break_glass_minutes = models.PositiveIntegerField(
        validators=[MinValueValidator(5), MaxValueValidator(24 * 60)]
    )

    class Meta:
        ordering = ["clinic__name"]

    def __str__(self) -> str:
        return f"Access policy of {self.clinic}"


class BreakGlassGrant(BaseModel):
    """Emergency read access to one patient's chart by someone whose role or clinic does not
    normally allow it: stated reason, limited time, alerted, reviewed by an auditor."""

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    home_clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=20, choices=Role.choices)
    reason = models.TextField(max_length=1000)
    expires_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    review_note = models.TextField(max_length=2000, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["user", "patient", "expires_at"], name="breakglass_user_patient"),
            models.Index(fields=["clinic", "reviewed_at"], name="breakglass_review"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(role__in=Role.values), name="breakglass_role_valid"),
            models.CheckConstraint(
                condition=Q(reviewed_at__isnull=True) | Q(reviewed_by__isnull=False),
                name="breakglass_reviewed_by_someone",
            ),
        ]

    def __str__(self) -> str:
        return f"Break-glass by {self.user_id} at {self.created_at:%Y-%m-%d %H:%M}"
