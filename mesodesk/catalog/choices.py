from django.db import models


class ConcentrationUnit(models.TextChoices):
    MG_PER_ML = "mg/mL", "mg/mL"
    PERCENT = "%", "% (w/v: 1 % = 10 mg/mL)"
    MCG_PER_ML = "mcg/mL", "mcg/mL"
    G_PER_L = "g/L", "g/L"
    UNITS_PER_ML = "units/mL", "units/mL"


class ProductKind(models.TextChoices):
    BRAND = "brand", "Brand product"
    COMPOUNDED = "compounded", "Compounded mix"


class LotStatus(models.TextChoices):
    AVAILABLE = "available", "Available"
    QUARANTINED = "quarantined", "Quarantined"
    RECALLED = "recalled", "Recalled"
    EXPIRED = "expired", "Expired"


class MovementKind(models.TextChoices):
    RECEIVE = "receive", "Received"
    ADJUST = "adjust", "Adjusted"
    USE = "use", "Used"


class ProtocolStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    RETIRED = "retired", "Retired"


class Anaesthesia(models.TextChoices):
    NONE = "none", "None"
    TOPICAL = "topical", "Topical anaesthetic cream"
