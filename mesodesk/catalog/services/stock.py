"""Writes of the catalog: ingredients (from the knowledge base), products, lots and stock.

Stock quantities change only here, with a conditional UPDATE so concurrent uses can never
drive a lot below zero (the database's CHECK constraint stands behind it as well).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from mesodesk.accounts.actor import Actor, system_actor
from mesodesk.accounts.choices import Capability
from mesodesk.audit.choices import AuditAction
from mesodesk.audit.services import audit_event_record, created_changes
from mesodesk.catalog.choices import ConcentrationUnit, LotStatus, MovementKind
from mesodesk.catalog.models import Ingredient, Lot, Product, ProductComponent, StockMovement
from mesodesk.catalog.selectors import lot_effective_status
from mesodesk.core.dates import date_bounds_error
from mesodesk.core.errors import Conflict, FieldErrors, NotFound, ObjectId
from mesodesk.core.lookups import get_in_clinic
from mesodesk.knowledge.loader import knowledge

UNIT_BASE = {"mg/mL": "mg", "%": "mg", "mcg/mL": "mg", "g/L": "mg", "units/mL": "units"}
MAX_ML = Decimal("100000")
# The stored precision of quantities in mL and of composition amounts (the models' decimal_places).
ML_PLACES = Lot._meta.get_field("quantity_remaining_ml").decimal_places
AMOUNT_PLACES = ProductComponent._meta.get_field("amount").decimal_places


def ingredients_sync() -> int:
    """Mirrors the knowledge base's ingredients into the catalog (idempotent)."""
    count = 0
    for entry in knowledge().ingredients.values():
        Ingredient.objects.update_or_create(
            code=entry.code,
            defaults={
                "name": entry.name,
                "ingredient_class": entry.ingredient_class,
                "unit": entry.unit,
            },
        )
        count += 1
    return count


def _decimal(
    value: object,
    field: str,
    errors: dict[str, list[str]],
    *,
    positive: bool = True,
    places: int = ML_PLACES,
) -> Decimal | None:
    """A finite number within bounds, no finer than `places` decimals (the stored precision:
    0.0000000001 mL would be rounded away on save, so the record would not say what was asked)."""
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        errors[field] = ["Enter a number."]
        return None
    if not number.is_finite() or (positive and number <= 0) or abs(number) > MAX_ML * 1000:
        errors[field] = ["Enter a number greater than 0." if positive else "Enter a number."]
        return None
    if number != number.quantize(Decimal(1).scaleb(-places)):
        errors[field] = [f"Enter at most {places} decimal places."]
        return None
    return number


def _clean(instance: Any, exclude: Sequence[str] = ("clinic",)) -> None:
    try:
        instance.full_clean(exclude=list(exclude))
    except ValidationError as exc:
        raise FieldErrors.from_django(exc) from exc


NAME_TAKEN = "A product with this name already exists."


def _name_taken(actor: Actor, name: str) -> bool:
    return Product.objects.filter(clinic=actor.clinic, name=name).exists()


def product_create(
    *, actor: Actor, data: Mapping[str, Any], components: Sequence[Mapping[str, Any]]
) -> Product:
    """A product and its composition per mL (at least one ingredient)."""
    actor.require(Capability.CATALOG_MANAGE)
    allowed = {"name", "kind", "manufacturer", "presentation", "storage_notes", "reorder_level_ml"}
    errors: dict[str, list[str]] = {k: ["Unknown field."] for k in set(data) - allowed}
    product = Product(clinic=actor.clinic, **{k: v for k, v in data.items() if k in allowed})
    if isinstance(product.name, str):
        product.name = product.name.strip()
    try:
        product.full_clean(exclude=["clinic"], validate_unique=False)
    except ValidationError as exc:
        errors |= FieldErrors.from_django(exc).errors
    if _name_taken(actor, product.name):
        errors["name"] = [NAME_TAKEN]
    if not components:
        errors["components"] = ["List at least one ingredient with its concentration."]
    kb = knowledge()
    parsed: list[ProductComponent] = []
    seen: set[str] = set()
    ingredients = {
        i.code: i
        for i in Ingredient.objects.filter(
            code__in=[str(c.get("ingredient", "")) for c in components]
        )
    }
    for index, item in enumerate(components):
        where = f"components.{index}"
        code = str(item.get("ingredient", ""))
        unit = str(item.get("unit", ""))
        if code not in kb.ingredients or code not in ingredients:
            errors[f"{where}.ingredient"] = [f"Unknown ingredient {code!r}."]
            continue
        if code in seen:
            errors[f"{where}.ingredient"] = ["This ingredient is listed twice."]
        seen.add(code)
        if unit not in ConcentrationUnit.values:
            errors[f"{where}.unit"] = [f"Use one of {', '.join(ConcentrationUnit.values)}."]
            continue
        if UNIT_BASE[unit] != kb.ingredients[code].unit:
            errors[f"{where}.unit"] = [
                f"{kb.ingredients[code].name} is measured in "
                f"{kb.ingredients[code].unit}, not {unit}."
            ]
        amount = _decimal(item.get("amount"), f"{where}.amount", errors, places=AMOUNT_PLACES)
        if amount is not None and unit == "%" and amount > 100:
            errors[f"{where}.amount"] = ["A percentage cannot exceed 100."]
        if amount is not None:
            parsed.append(ProductComponent(ingredient=ingredients[code], amount=amount, unit=unit))
    if errors:
        raise FieldErrors(errors)
    try:
        with transaction.atomic():
            product.save(force_insert=True)
            for component in parsed:
                component.product = product
                component.save(force_insert=True)
            audit_event_record(
                actor=actor,
                action=AuditAction.CREATE,
                obj=product,
                changes={
                    **created_changes(product, ("name", "kind", "manufacturer")),
                    "components": [
                        None,
                        [f"{c.ingredient.code} {c.amount} {c.unit}" for c in parsed],
                    ],
                },
            )
    except IntegrityError as exc:
        # A concurrent request saved the same name between the check above and this insert.
        if _name_taken(actor, product.name):
            raise FieldErrors.single("name", NAME_TAKEN) from exc
        raise
    return product


def _lot(actor: Actor, lot_id: ObjectId) -> Lot:
    locked = Lot.objects.select_for_update().select_related("product")
    return get_in_clinic(locked.filter(clinic=actor.clinic), lot_id)


@dataclass(frozen=True)
class LotReceipt:
    """What a delivery note says about a new lot; `lot_receive` validates every field."""

    product_id: ObjectId | None
    lot_number: str
    expiry_date: dt.date | None
    quantity_ml: Decimal | int | str | None
    received_on: dt.date | None = None
    supplier: str = ""


def lot_receive(*, actor: Actor, receipt: LotReceipt) -> Lot:
    """Receives stock: a new lot of a product with its expiry and quantity (mL)."""
    actor.require(Capability.STOCK_MANAGE)
    errors: dict[str, list[str]] = {}
    product_id = receipt.product_id
    product: Product | None = None
    try:
        product = get_in_clinic(Product.objects.filter(clinic=actor.clinic), str(product_id))
    except NotFound:
        errors["product_id"] = ["Choose one of this clinic's products."]
    quantity = _decimal(receipt.quantity_ml, "quantity_ml", errors)
    if quantity is not None and quantity > MAX_ML:
        errors["quantity_ml"] = ["That is more than any clinic receives at once."]
    today = actor.today()
    received_on = receipt.received_on or today
    expiry = receipt.expiry_date
    if not isinstance(expiry, dt.date):
        errors["expiry_date"] = ["Enter the expiry date."]
    elif expiry < today:
        errors["expiry_date"] = ["This lot has already expired; it cannot be received."]
    elif message := date_bounds_error(expiry):
        errors["expiry_date"] = [message]
    if isinstance(received_on, dt.date) and received_on > today:
        errors["received_on"] = ["The receipt date cannot be in the future."]
    elif isinstance(received_on, dt.date) and (message := date_bounds_error(received_on)):
        errors["received_on"] = [message]
    lot_number = str(receipt.lot_number or "").strip()
    if not lot_number:
        errors["lot_number"] = ["Enter the lot number."]
    if errors:
        raise FieldErrors(errors)
    assert product is not None
    assert quantity is not None
    assert actor.user is not None
    assert isinstance(expiry, dt.date)
    lot = Lot(
        clinic=actor.clinic,
        product=product,
        lot_number=lot_number,
        expiry_date=expiry,
        supplier=str(receipt.supplier or "").strip(),
        received_on=received_on,
        quantity_received_ml=quantity,
        quantity_remaining_ml=quantity,
    )
    _clean(lot, exclude=("clinic", "product"))
    try:
        with transaction.atomic():
            lot.save(force_insert=True)
            StockMovement.objects.create(
                clinic=actor.clinic,
                lot=lot,
                kind=MovementKind.RECEIVE,
                quantity_ml=quantity,
                created_by=actor.user,
            )
            audit_event_record(
                actor=actor,
                action=AuditAction.CREATE,
                obj=lot,
                changes=created_changes(lot, ("lot_number", "expiry_date", "quantity_received_ml")),
            )
    except IntegrityError as exc:
        raise FieldErrors.single(
            "lot_number", "This lot number is already recorded for the product."
        ) from exc
    return lot


def lot_adjust(*, actor: Actor, lot_id: ObjectId, delta_ml: object, reason: str) -> Lot:
    """Corrects a lot's quantity (breakage, count) with a written reason."""
    actor.require(Capability.STOCK_MANAGE)
    errors: dict[str, list[str]] = {}
    delta = _decimal(delta_ml, "delta_ml", errors, positive=False)
    if delta is not None and delta == 0:
        errors["delta_ml"] = ["An adjustment changes the quantity."]
    if not reason.strip():
        errors["reason"] = ["Say why the quantity changes."]
    if errors:
        raise FieldErrors(errors)
    assert delta is not None
    assert actor.user is not None
    with transaction.atomic():
        lot = _lot(actor, lot_id)
        before = lot.quantity_remaining_ml
        after = before + delta
        if after < 0 or after > lot.quantity_received_ml:
            raise FieldErrors.single(
                "delta_ml",
                f"The quantity would become {after} mL; it must stay between 0 and "
                f"{lot.quantity_received_ml} mL received.",
            )
        Lot.objects.filter(pk=lot.pk).update(quantity_remaining_ml=after)
        StockMovement.objects.create(
            clinic=actor.clinic,
            lot=lot,
            kind=MovementKind.ADJUST,
            quantity_ml=delta,
            reason=reason.strip()[:500],
            created_by=actor.user,
        )
        audit_event_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=lot,
            changes={"quantity_remaining_ml": [before, after], "reason": [None, reason.strip()]},
        )
        lot.refresh_from_db()
    return lot


LOT_TRANSITIONS = {
    LotStatus.AVAILABLE: {LotStatus.QUARANTINED, LotStatus.RECALLED},
    LotStatus.QUARANTINED: {LotStatus.AVAILABLE, LotStatus.RECALLED},
    LotStatus.RECALLED: set(),
    LotStatus.EXPIRED: set(),
}


def lot_status_set(*, actor: Actor, lot_id: ObjectId, status: str, reason: str) -> Lot:
    """Quarantines, releases or recalls a lot; a recalled or expired lot stays so."""
    actor.require(Capability.STOCK_MANAGE)
    if status not in LotStatus.values:
        raise FieldErrors.single("status", "Unknown lot status.")
    if not reason.strip():
        raise FieldErrors.single("reason", "Say why the status changes.")
    with transaction.atomic():
        lot = _lot(actor, lot_id)
        today = actor.today()
        current = LotStatus(lot_effective_status(lot, today))  # out of date is expired
        if status not in LOT_TRANSITIONS[current]:
            raise Conflict(f"A lot that is {current} cannot become {status}.")
        before = lot.status
        lot.status, lot.status_reason = status, reason.strip()[:500]
        lot.save(update_fields=["status", "status_reason", "updated_at"])
        audit_event_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=lot,
            changes={"status": [before, status], "reason": [None, reason.strip()]},
        )
    return lot


def lot_consume(
    *,
    actor: Actor,
    lot_id: ObjectId,
    volume_ml: Decimal,
    reference_type: str,
    reference_id: ObjectId,
    injected: bool = False,
) -> StockMovement:
    """Takes product out of a lot for a record (a signed session). Refuses unusable lots and
    more than is left; the same record consumes a lot once. `injected=True` records product
    that already left the vial (judged usable when it was charted): it is taken from the lot
    whatever the lot's state is now, so a recalled lot's count matches what can be returned."""
    if volume_ml <= 0:
        raise FieldErrors.single("volume_ml", "The volume used must be more than 0 mL.")
    assert actor.user is not None
    with transaction.atomic():
        lot = _lot(actor, lot_id)
        today = actor.today()
        # Available and unexpired, unless the product was already injected (the record tells
        # what happened; see session signing). An emptied lot passes here so that consuming
        # again for the same record answers the movement already made (the volume check below
        # refuses more).
        state = lot_effective_status(lot, today)
        if not injected and state != LotStatus.AVAILABLE:
            raise Conflict(f"Lot {lot.lot_number} is {state} and cannot be used.")
        used = StockMovement.objects.filter(
            lot=lot, kind=MovementKind.USE, reference_type=reference_type, reference_id=reference_id
        ).first()
        if used is not None:
            return used  # already consumed for this record
        taken = Lot.objects.filter(pk=lot.pk, quantity_remaining_ml__gte=volume_ml).update(
            quantity_remaining_ml=F("quantity_remaining_ml") - volume_ml
        )
        if taken != 1 and injected:
            # Written off after the injection: what was injected takes what the books still
            # hold (never below zero); the record keeps the injected volume.
            lot.refresh_from_db(fields=["quantity_remaining_ml"])
            volume_ml = lot.quantity_remaining_ml
            taken = Lot.objects.filter(pk=lot.pk).update(quantity_remaining_ml=Decimal(0))
        if taken != 1:
            raise Conflict(f"Lot {lot.lot_number} has only {lot.quantity_remaining_ml} mL left.")
        movement = StockMovement.objects.create(
            clinic=actor.clinic,
            lot=lot,
            kind=MovementKind.USE,
            quantity_ml=-volume_ml,
            reference_type=reference_type,
            reference_id=reference_id,
            created_by=actor.user,
        )
        audit_event_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=lot,
            changes={
                "used_ml": [None, volume_ml],
                "for": [None, f"{reference_type}:{reference_id}"],
            },
        )
    return movement


def lots_mark_expired(*, on: dt.date | None = None) -> int:
    """Marks available lots past their expiry date, in their clinic's own calendar, as expired
    (daily job, audited per lot). Until it runs, selectors already treat such lots as expired."""
    now = timezone.now()
    # No clinic's date is ahead of UTC by more than a day: this bound only narrows the scan.
    latest = on or now.date() + dt.timedelta(days=1)
    count = 0
    for lot in Lot.objects.filter(
        status=LotStatus.AVAILABLE, expiry_date__lt=latest
    ).select_related("clinic"):
        today = on or now.astimezone(lot.clinic.zone).date()
        if lot_effective_status(lot, today) != LotStatus.EXPIRED:
            continue
        with transaction.atomic():
            updated = Lot.objects.filter(pk=lot.pk, status=LotStatus.AVAILABLE).update(
                status=LotStatus.EXPIRED, status_reason="Past its expiry date"
            )
            if updated:
                audit_event_record(
                    actor=system_actor(lot.clinic, "expiry job"),
                    action=AuditAction.UPDATE,
                    obj=lot,
                    changes={"status": [LotStatus.AVAILABLE, LotStatus.EXPIRED]},
                )
                count += 1
    return count


__all__ = [
    "ingredients_sync",
    "lot_adjust",
    "lot_consume",
    "lot_receive",
    "lot_status_set",
    "lots_mark_expired",
    "product_create",
]
