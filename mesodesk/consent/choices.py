from django.db import models


class TemplateStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    RETIRED = "retired", "Retired"


class ConsentStatus(models.TextChoices):
    AWAITING_COUNTERSIGNATURE = "awaiting", "Signed by the patient, awaiting countersignature"
    SIGNED = "signed", "Signed"
    WITHDRAWN = "withdrawn", "Withdrawn"
