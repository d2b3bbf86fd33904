"""The patient record: demographics, clinical profile and structured medical history."""

from __future__ import annotations

from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q

from mesodesk.core.models import BaseModel
from mesodesk.patients.choices import (
    AllergySeverity,
    ClinicalStatus,
    FactSource,
    Fitzpatrick,
    Glogau,
    IntakeStatus,
    MedicationStatus,
    Sex,
    VerificationStatus,
)
from mesodesk.patients.fields import HEIGHT_CM, WEIGHT_KG
from mesodesk.patients.validators import (
    validate_allergy_group,
    validate_body_area,
    validate_body_areas,
    validate_condition_code,
    validate_medication_class,
    validate_phone,
)

NOTE_MAX = 2000


def _target_areas_default() -> list[str]:
    return []


class Patient(BaseModel):
    """A patient of one clinic."""

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    given_key = models.CharField(max_length=100, editable=False)
    family_key = models.CharField(max_length=100, editable=False)
    date_of_birth = models.DateField()
    sex = models.CharField(max_length=10, choices=Sex.choices, default=Sex.UNKNOWN)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=32, blank=True, validators=[validate_phone])
    phone_key = models.CharField(max_length=32, blank=True, editable=False)
    address = models.TextField(max_length=500, blank=True, validators=[MaxLengthValidator(500)])
    emergency_contact_name = models.CharField(max_length=200, blank=True)
    emergency_contact_phone = models.CharField(
        max_length=32, blank=True, validators=[validate_phone]
    )
    emergency_contact_relationship = models.CharField(max_length=100, blank=True)

    # Clinical profile: visible to clinical roles only.
    weight_kg = models.DecimalField(
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=WEIGHT_KG.validators(),
    )
    height_cm = models.DecimalField(
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=HEIGHT_CM.validators(),
    )
    measured_on = models.DateField(null=True, blank=True)
    fitzpatrick = models.CharField(max_length=3, choices=Fitzpatrick.choices, blank=True)
    glogau = models.CharField(max_length=3, choices=Glogau.choices, blank=True)
    concerns = models.TextField(
        max_length=NOTE_MAX, blank=True, validators=[MaxLengthValidator(NOTE_MAX)]
    )
    target_areas = models.JSONField(
        default=_target_areas_default, blank=True, validators=[validate_body_areas]
    )
    # The dates the medication and allergy lists were last confirmed complete ("no known
    # allergies" is an allergy list confirmed empty): screening needs to tell an empty list
    # from an unasked question.
    medications_reviewed_on = models.DateField(null=True, blank=True)
    allergies_reviewed_on = models.DateField(null=True, blank=True)
    # Why the patient was registered although an existing chart looked like the same person.
    duplicate_reason = models.TextField(
        max_length=500, blank=True, validators=[MaxLengthValidator(500)]
    )

    class Meta:
        ordering = ["family_key", "given_key", "id"]
        # Each search index ends in the list order (family, given, id), so a search reads
        # its page straight from the index instead of sorting every match.
        indexes = [
            models.Index(
                fields=["clinic", "family_key", "given_key", "id"], name="patient_family_key"
            ),
            models.Index(
                fields=["clinic", "given_key", "family_key", "id"], name="patient_given_key"
            ),
            models.Index(
                fields=["clinic", "date_of_birth", "family_key", "given_key", "id"],
                name="patient_dob",
            ),
            models.Index(fields=["clinic", "phone_key"], name="patient_phone_key"),
            models.Index(fields=["clinic", "email"], name="patient_email"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(sex__in=Sex.values), name="patient_sex_valid"),
            models.CheckConstraint(
                condition=Q(fitzpatrick__in=[*Fitzpatrick.values, ""]),
                name="patient_fitzpatrick_valid",
            ),
            models.CheckConstraint(
                condition=Q(glogau__in=[*Glogau.values, ""]), name="patient_glogau_valid"
            ),
            models.CheckConstraint(
                condition=Q(weight_kg__isnull=True) | Q(weight_kg__gt=0),
                name="patient_weight_positive",
            ),
            models.CheckConstraint(
                condition=Q(height_cm__isnull=True) | Q(height_cm__gt=0),
                name="patient_height_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.family_name}, {self.given_name}"

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"


class HistoryItem(BaseModel):
    """Common fields of every history fact: when it was stated, by whom, who confirmed it."""

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="+")
    asserted_on = models.DateField(help_text="The date the fact was stated or last checked.")
    source = models.CharField(max_length=10, choices=FactSource.choices)
    recorded_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    confirmed_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(
        max_length=NOTE_MAX, blank=True, validators=[MaxLengthValidator(NOTE_MAX)]
    )

    class Meta:
        abstract = True


class Condition(HistoryItem):
    """A condition from the knowledge base's list, present or (refuted) absent."""

    code = models.CharField(max_length=40, validators=[validate_condition_code])
    verification_status = models.CharField(
        max_length=20, choices=VerificationStatus.choices, default=VerificationStatus.CONFIRMED
    )
    clinical_status = models.CharField(
        max_length=12, choices=ClinicalStatus.choices, default=ClinicalStatus.ACTIVE
    )
    onset_date = models.DateField(null=True, blank=True)
    abatement_date = models.DateField(
        null=True, blank=True, help_text="Remission or resolution date."
    )
    expected_date = models.DateField(null=True, blank=True, help_text="Expected delivery date.")
    body_site = models.CharField(
        max_length=40, blank=True, validators=[validate_body_area], help_text="Where, for sites."
    )
    other_text = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["code", "-asserted_on"]
        indexes = [models.Index(fields=["patient", "code"], name="condition_patient_code")]
        constraints = [
            models.CheckConstraint(
                condition=Q(source__in=FactSource.values), name="condition_source_valid"
            ),
            # One current row per listed condition; "other" may be recorded many times.
            models.UniqueConstraint(
                fields=["patient", "code"],
                condition=~Q(code="other"),
                name="condition_unique_code_per_patient",
            ),
            models.CheckConstraint(
                condition=Q(verification_status__in=VerificationStatus.values),
                name="condition_verification_valid",
            ),
            models.CheckConstraint(
                condition=Q(clinical_status__in=ClinicalStatus.values),
                name="condition_clinical_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.verification_status})"


class Medication(HistoryItem):
    """A medicine the patient takes or took, with its class."""

    name = models.CharField(max_length=200)
    medication_class = models.CharField(max_length=40, validators=[validate_medication_class])
    status = models.CharField(
        max_length=20, choices=MedicationStatus.choices, default=MedicationStatus.ACTIVE
    )
    dose = models.CharField(max_length=200, blank=True)
    started_on = models.DateField(null=True, blank=True)
    stopped_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["name", "-asserted_on"]
        indexes = [models.Index(fields=["patient", "status"], name="medication_patient_status")]
        constraints = [
            models.CheckConstraint(
                condition=Q(source__in=FactSource.values), name="medication_source_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=MedicationStatus.values), name="medication_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Allergy(HistoryItem):
    """An allergy to a substance, a knowledge-base allergy group, or both."""

    substance = models.CharField(max_length=200, blank=True)
    allergy_group = models.CharField(max_length=40, blank=True, validators=[validate_allergy_group])
    reaction = models.CharField(max_length=500, blank=True)
    severity = models.CharField(
        max_length=10, choices=AllergySeverity.choices, default=AllergySeverity.UNKNOWN
    )
    verification_status = models.CharField(
        max_length=20, choices=VerificationStatus.choices, default=VerificationStatus.CONFIRMED
    )

    class Meta:
        ordering = ["substance", "allergy_group"]
        verbose_name_plural = "allergies"
        indexes = [models.Index(fields=["patient"], name="allergy_patient")]
        constraints = [
            models.CheckConstraint(
                condition=Q(source__in=FactSource.values), name="allergy_source_valid"
            ),
            models.CheckConstraint(
                condition=~Q(substance="", allergy_group=""), name="allergy_names_something"
            ),
            models.CheckConstraint(
                condition=Q(severity__in=AllergySeverity.values), name="allergy_severity_valid"
            ),
            models.CheckConstraint(
                condition=Q(verification_status__in=VerificationStatus.values),
                name="allergy_verification_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.substance or self.allergy_group


class IntakeLink(BaseModel):
    """A single-use, expiring link through which a patient answers the intake questionnaire.

    The URL token is a signature of the link id (nothing secret is stored); expiry, use and
    revocation live here.
    """

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    expires_at = models.DateTimeField()
    sent_to = models.EmailField(blank=True)
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["patient", "created_at"], name="intakelink_patient")]

    def __str__(self) -> str:
        return f"Intake link for {self.patient_id}"


class IntakeSubmission(BaseModel):
    """A patient's answers, waiting for a practitioner to accept them into the history."""

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="+")
    link = models.OneToOneField(IntakeLink, on_delete=models.PROTECT, related_name="submission")
    answers = models.JSONField()
    status = models.CharField(
        max_length=10, choices=IntakeStatus.choices, default=IntakeStatus.PENDING
    )
    reviewed_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(
        max_length=NOTE_MAX, blank=True, validators=[MaxLengthValidator(NOTE_MAX)]
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["clinic", "status", "created_at"], name="intake_clinic_status"),
            models.Index(fields=["patient", "created_at"], name="intake_patient"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=IntakeStatus.values), name="intake_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"Intake of {self.patient_id} ({self.status})"
