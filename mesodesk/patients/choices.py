"""Fixed vocabularies of the patient record (FHIR value sets where FHIR has one)."""

from django.db import models


class Sex(models.TextChoices):
    """FHIR AdministrativeGender."""

    FEMALE = "female", "Female"
    MALE = "male", "Male"
    OTHER = "other", "Other"
    UNKNOWN = "unknown", "Unknown"


class Fitzpatrick(models.TextChoices):
    """Codes of the Fitzpatrick scale; the definitions live in the knowledge base."""

    I = "I", "Type I"  # noqa: E741
    II = "II", "Type II"
    III = "III", "Type III"
    IV = "IV", "Type IV"
    V = "V", "Type V"
    VI = "VI", "Type VI"


class Glogau(models.TextChoices):
    """Codes of the Glogau classification; the definitions live in the knowledge base."""

    I = "I", "Type I"  # noqa: E741
    II = "II", "Type II"
    III = "III", "Type III"
    IV = "IV", "Type IV"


class VerificationStatus(models.TextChoices):
    """FHIR verification status: `refuted` records that a condition is absent."""

    CONFIRMED = "confirmed", "Present (confirmed)"
    UNCONFIRMED = "unconfirmed", "Unconfirmed"
    REFUTED = "refuted", "Absent"
    ENTERED_IN_ERROR = "entered-in-error", "Entered in error"


class ClinicalStatus(models.TextChoices):
    """FHIR condition clinical status."""

    ACTIVE = "active", "Active"
    REMISSION = "remission", "In remission"
    RESOLVED = "resolved", "Resolved"
    INACTIVE = "inactive", "Inactive"


class MedicationStatus(models.TextChoices):
    ACTIVE = "active", "Taking"
    STOPPED = "stopped", "Stopped"
    ENTERED_IN_ERROR = "entered-in-error", "Entered in error"


class AllergySeverity(models.TextChoices):
    """FHIR AllergyIntolerance reaction severity."""

    MILD = "mild", "Mild"
    MODERATE = "moderate", "Moderate"
    SEVERE = "severe", "Severe"
    UNKNOWN = "unknown", "Not known"


class FactSource(models.TextChoices):
    CLINICIAN = "clinician", "Recorded by clinician"
    INTAKE = "intake", "Patient intake questionnaire"


class IntakeStatus(models.TextChoices):
    PENDING = "pending", "Pending review"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"
