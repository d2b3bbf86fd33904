"""What can be injected (ingredients, products with their composition), from which lot, and
following which protocol."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q

from mesodesk.catalog.choices import (
    Anaesthesia,
    ConcentrationUnit,
    LotStatus,
    MovementKind,
    ProductKind,
    ProtocolStatus,
)
from mesodesk.core.models import BaseModel

POSITIVE = [MinValueValidator(Decimal("0.0001"))]


class Ingredient(BaseModel):
    """An ingredient of the knowledge base, mirrored so products can point at it."""

    code = models.CharField(max_length=40, unique=True)
    name = models.CharField(max_length=120)
    ingredient_class = models.CharField(max_length=120)
    unit = models.CharField(max_length=8)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Product(BaseModel):
    """A brand product or compounded mix a clinic stocks. Its composition never changes:
    a different composition is a different product."""

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=12, choices=ProductKind.choices)
    manufacturer = models.CharField(max_length=200, blank=True)
    presentation = models.CharField(max_length=200, blank=True)
    storage_notes = models.CharField(max_length=500, blank=True)
    reorder_level_ml = models.DecimalField(
        max_digits=9,
        decimal_places=2,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0))],
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "name"], name="product_unique_name"),
            models.CheckConstraint(
                condition=Q(kind__in=ProductKind.values), name="product_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ProductComponent(BaseModel):
    """One ingredient of a product and its concentration."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="components")
    ingredient = models.ForeignKey(Ingredient, on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(max_digits=12, decimal_places=4, validators=POSITIVE)
    unit = models.CharField(max_length=10, choices=ConcentrationUnit.choices)

    class Meta:
        ordering = ["ingredient__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["product", "ingredient"], name="component_unique_ingredient"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="component_amount_positive"),
            models.CheckConstraint(
                condition=Q(unit__in=ConcentrationUnit.values), name="component_unit_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ingredient} {self.amount} {self.unit}"


class Lot(BaseModel):
    """A lot of a product: where it came from, when it expires, how much is left (mL)."""

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="lots")
    lot_number = models.CharField(max_length=80)
    expiry_date = models.DateField()
    supplier = models.CharField(max_length=200, blank=True)
    received_on = models.DateField()
    quantity_received_ml = models.DecimalField(max_digits=10, decimal_places=2, validators=POSITIVE)
    quantity_remaining_ml = models.DecimalField(max_digits=10, decimal_places=2)
    status = models.CharField(max_length=12, choices=LotStatus.choices, default=LotStatus.AVAILABLE)
    status_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["expiry_date", "lot_number"]
        indexes = [
            models.Index(fields=["clinic", "product", "status"], name="lot_product_status"),
            models.Index(fields=["clinic", "expiry_date"], name="lot_expiry"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "product", "lot_number"], name="lot_unique_number"
            ),
            models.CheckConstraint(
                condition=Q(quantity_remaining_ml__gte=0), name="lot_remaining_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(quantity_remaining_ml__lte=F("quantity_received_ml")),
                name="lot_remaining_within_received",
            ),
            models.CheckConstraint(
                condition=Q(status__in=LotStatus.values), name="lot_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product} lot {self.lot_number}"


class StockMovement(BaseModel):
    """Every change of a lot's quantity, with who, why and for what."""

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="movements")
    kind = models.CharField(max_length=8, choices=MovementKind.choices)
    quantity_ml = models.DecimalField(max_digits=10, decimal_places=2)
    reason = models.CharField(max_length=500, blank=True)
    reference_type = models.CharField(max_length=64, blank=True)
    reference_id = models.UUIDField(null=True, blank=True)
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=MovementKind.values), name="movement_kind_valid"
            ),
            # A lot is used at most once per referenced record (a signed session).
            models.UniqueConstraint(
                fields=["lot", "reference_type", "reference_id"],
                condition=Q(kind="use"),
                name="movement_use_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.quantity_ml} mL of {self.lot_id}"


class Protocol(BaseModel):
    """A clinic's protocol for an indication, versioned: a published version is frozen."""

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    family = models.UUIDField(default=uuid.uuid4)
    version = models.PositiveIntegerField(default=1)
    status = models.CharField(
        max_length=10, choices=ProtocolStatus.choices, default=ProtocolStatus.DRAFT
    )
    template_code = models.CharField(max_length=60, blank=True)
    name = models.CharField(max_length=200)
    indication = models.CharField(max_length=40)
    sessions = models.PositiveIntegerField()
    interval_min_days = models.PositiveIntegerField(null=True, blank=True)
    interval_max_days = models.PositiveIntegerField(null=True, blank=True)
    schedule_days = models.JSONField(default=list, blank=True)
    technique = models.CharField(max_length=40, blank=True)
    depth_min_mm = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    depth_max_mm = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    needle = models.CharField(max_length=200, blank=True)
    points_per_area = models.PositiveIntegerField(null=True, blank=True)
    volume_per_point_ml = models.DecimalField(max_digits=6, decimal_places=3, null=True, blank=True)
    anaesthesia = models.CharField(
        max_length=10, choices=Anaesthesia.choices, default=Anaesthesia.NONE
    )
    anaesthesia_minutes = models.PositiveIntegerField(null=True, blank=True)
    photo_views_baseline = models.JSONField(default=list, blank=True)
    photo_views_end = models.JSONField(default=list, blank=True)
    photo_views_follow_up = models.JSONField(default=list, blank=True)
    follow_up_weeks = models.PositiveIntegerField(null=True, blank=True)
    maintenance_interval_days = models.PositiveIntegerField(null=True, blank=True)
    evidence_summary = models.TextField(blank=True)
    sources = models.JSONField(default=list, blank=True)
    configurable_fields = models.JSONField(default=list, blank=True)
    notes = models.TextField(blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["name", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["family", "version"], name="protocol_family_version"),
            models.UniqueConstraint(
                fields=["family"],
                condition=Q(status="published"),
                name="protocol_one_published_per_family",
            ),
            models.CheckConstraint(
                condition=Q(status__in=ProtocolStatus.values), name="protocol_status_valid"
            ),
            models.CheckConstraint(condition=Q(sessions__gte=1), name="protocol_sessions_positive"),
            models.CheckConstraint(
                condition=Q(anaesthesia__in=Anaesthesia.values), name="protocol_anaesthesia_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"
