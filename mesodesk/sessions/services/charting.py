"""Charting a session: injection points and zones on the map views, each with its lot (the
live totals are `selectors.session_dose_report`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction

from mesodesk.accounts.actor import Actor
from mesodesk.accounts.choices import Capability
from mesodesk.audit.choices import AuditAction
from mesodesk.audit.services import audit_event_record
from mesodesk.catalog.models import Lot
from mesodesk.catalog.selectors import ingredient_codes_of, lot_get, lot_usable, lots_usable
from mesodesk.core.errors import Conflict, FieldErrors, NotFound, ObjectId
from mesodesk.core.lookups import get_in_clinic
from mesodesk.knowledge.selectors import clinic_knowledge
from mesodesk.sessions.choices import PointKind, SessionStatus
from mesodesk.sessions.maps import map_views
from mesodesk.sessions.models import InjectionPoint, TreatmentSession
from mesodesk.sessions.selectors import (
    previous_signed_session,
    session_dose_report,
    session_for_update,
)
from mesodesk.treatments.dosing import DoseReport
from mesodesk.treatments.selectors import plan_product_ids

CHARTABLE = (SessionStatus.IN_PROCEDURE, SessionStatus.COMPLETED)
MAX_POINTS = 600


def _decimal(
    value: object,
    field: str,
    errors: dict[str, list[str]],
    *,
    low: Decimal,
    high: Decimal,
    required: bool,
) -> Decimal | None:
    if value in (None, ""):
        if required:
            errors[field] = ["Required."]
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        errors[field] = ["Enter a number."]
        return None
    if not number.is_finite() or not low <= number <= high:
        errors[field] = [f"Enter a number from {low} to {high}."]
        return None
    return number


def _chartable(session: TreatmentSession) -> None:
    if session.status == SessionStatus.SIGNED:
        raise Conflict("This session is signed and locked; correct it with a signed addendum.")
    if session.status not in CHARTABLE:
        raise Conflict("Injections are charted during the procedure, before signing.")


def point_add(*, actor: Actor, session_id: ObjectId, data: Mapping[str, Any]) -> InjectionPoint:
    """Charts one point (x, y on a view) or one zone (a region) with its lot and volume."""
    actor.require(Capability.SESSION_PERFORM)
    kb = clinic_knowledge(actor.clinic)
    assert actor.user is not None
    with transaction.atomic():
        session = session_for_update(actor=actor, session_id=session_id)
        _chartable(session)
        errors: dict[str, list[str]] = {}
        kind = data.get("kind") or PointKind.POINT
        if kind not in PointKind.values:
            errors["kind"] = ["Choose a point or a zone."]
        view = map_views().get(str(data.get("view", "")))
        if view is None:
            errors["view"] = ["Unknown map view."]
        region = str(data.get("region", ""))
        side = str(data.get("side", ""))
        if view is not None and region not in view.areas:
            errors["region"] = ["Place the injection on a region of the map."]
        if side not in ("", "left", "right"):
            errors["side"] = ["Unknown side."]
        x = _decimal(
            data.get("x"),
            "x",
            errors,
            low=Decimal(0),
            high=Decimal(str(view.width if view else 0)),
            required=kind == "point",
        )
        y = _decimal(
            data.get("y"),
            "y",
            errors,
            low=Decimal(0),
            high=Decimal(str(view.height if view else 0)),
            required=kind == "point",
        )
        volume = _decimal(
            data.get("volume_ml"),
            "volume_ml",
            errors,
            low=Decimal("0.001"),
            high=Decimal(50),
            required=True,
        )
        depth = _decimal(
            data.get("depth_mm"),
            "depth_mm",
            errors,
            low=Decimal(0),
            high=Decimal(20),
            required=False,
        )
        technique = str(data.get("technique", "") or "")
        if technique and technique not in kb.techniques:
            errors["technique"] = ["Choose a technique from the knowledge base."]
        lot = None
        try:
            lot = lot_get(actor=actor, lot_id=str(data.get("lot_id")))
        except NotFound:
            errors["lot_id"] = ["Choose a lot of a product in the plan."]
        today = actor.today()
        if lot is not None:
            if lot.product_id not in plan_product_ids(session.plan):
                errors["lot_id"] = ["This lot's product is not in the plan's mix."]
            elif not lot_usable(lot, today):  # the form offers the same lots
                errors["lot_id"] = [
                    f"Lot {lot.lot_number} is not usable (expired, recalled, quarantined or empty)."
                ]
        if InjectionPoint.objects.filter(session=session).count() >= MAX_POINTS:
            errors["__all__"] = [f"A session has at most {MAX_POINTS} charted injections."]
        if errors:
            raise FieldErrors(errors)
        assert view is not None
        assert lot is not None
        assert volume is not None
        confirmed = _volume_plausible(kb.setting, kind, volume, data)
        reason = str(data.get("over_limit_reason", "") or "").strip()
        if len(reason) > 2000:
            raise FieldErrors.single("over_limit_reason", "Keep the reason under 2000 characters.")
        exceeded_before = _exceeded(session_dose_report(actor=actor, session=session))
        point = InjectionPoint.objects.create(
            clinic=actor.clinic,
            session=session,
            kind=kind,
            view=view.code,
            x=x if kind == "point" else None,
            y=y if kind == "point" else None,
            region=region,
            side=side,
            region_label=view.region_label(region, side)[:80],
            product=lot.product,
            lot=lot,
            volume_ml=volume,
            depth_mm=depth,
            technique=technique,
            needle=str(data.get("needle", "") or "")[:80],
            volume_confirmed=confirmed,
            created_by=actor.user,
        )
        after = _exceeded(session_dose_report(actor=actor, session=session))
        # A point that takes a total over a hard limit, or adds to one already over it.
        mine = ingredient_codes_of([lot.product_id])
        newly = {
            key: message
            for key, message in after.items()
            if key not in exceeded_before or key[0] in mine
        }
        if newly:
            if not reason:
                # Nothing is saved: the alert must be acknowledged with a reason first.
                raise FieldErrors(
                    {
                        "over_limit_reason": [
                            "This injection takes a total over a hard limit: "
                            + " ".join(m.rstrip(".") + "." for m in newly.values())
                            + " Give the reason to chart it anyway, or change the volume."
                        ]
                    }
                )
            point.over_limit_reason = reason
            point.save(update_fields=["over_limit_reason"])
        audit_event_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=point,
            patient_id=session.patient_id,
            changes={
                "region": [None, region],
                "lot": [None, lot.lot_number],
                "volume_ml": [None, volume],
                **({"volume_confirmed": [None, True]} if confirmed else {}),
                **({"over_limit_reason": [None, point.over_limit_reason]} if newly else {}),
            },
        )
    return point


def _truthy(value: object) -> bool:
    return str(value).lower() in ("1", "true", "on", "yes")


def _volume_plausible(
    setting: Callable[[str], int], kind: str, volume: Decimal, data: Mapping[str, Any]
) -> bool:
    """A point's volume outside the clinic's plausible range needs `confirm_volume`; returns
    whether it was confirmed (zones, worked by nappage, are not one injection)."""
    if kind != PointKind.POINT:
        return False
    low = Decimal(setting("point_volume_min_ul")) / 1000
    high = Decimal(setting("point_volume_max_ul")) / 1000
    if low <= volume <= high:
        return False
    if not _truthy(data.get("confirm_volume")):
        raise FieldErrors.single(
            "confirm_volume",
            f"{volume.normalize():f} mL in one injection is outside the usual "
            f"{low.normalize():f} to {high.normalize():f} mL. Check the volume, or tick to "
            "confirm it.",
        )
    return True


def _exceeded(report: DoseReport) -> dict[tuple[str, str], str]:
    """The hard limits the charted totals exceed, by (ingredient, kind of limit)."""
    return {
        (c.ingredient, c.kind): c.message
        for c in (*report.checks, *report.notes)
        if c.hard and c.status == "exceeded"
    }


def point_remove(*, actor: Actor, point_id: ObjectId) -> TreatmentSession:
    actor.require(Capability.SESSION_PERFORM)
    with transaction.atomic():
        point = get_in_clinic(
            InjectionPoint.objects.select_related("session").filter(clinic=actor.clinic),
            point_id,
            message="No such injection in this clinic.",
        )
        session = session_for_update(actor=actor, session_id=point.session_id)
        _chartable(session)
        audit_event_record(
            actor=actor,
            action=AuditAction.DELETE,
            obj=point,
            patient_id=session.patient_id,
            changes={"region": [point.region, None], "volume_ml": [point.volume_ml, None]},
        )
        point.delete()
    return session


def session_copy_previous_map(*, actor: Actor, session_id: ObjectId) -> int:
    """Starts the chart from the plan's last signed session; each copied injection takes the
    first usable lot of its product (injections whose product has none are left out)."""
    actor.require(Capability.SESSION_PERFORM)
    assert actor.user is not None
    with transaction.atomic():
        session = session_for_update(actor=actor, session_id=session_id)
        if session.status != SessionStatus.IN_PROCEDURE:
            raise Conflict("Copy the previous map at the start of the procedure.")
        if session.points.exists():
            raise Conflict("This session already has injections charted.")
        previous = previous_signed_session(session)
        if previous is None:
            raise Conflict("There is no signed earlier session to copy.")
        points = list(previous.points.all())
        lots: dict[object, Lot] = {}
        for usable in lots_usable(actor=actor, product_ids=[p.product_id for p in points]):
            lots.setdefault(usable.product_id, usable)  # the earliest expiry first
        copied = []
        for point in points:
            lot = lots.get(point.product_id)
            if lot is None:
                continue
            copied.append(
                InjectionPoint(
                    clinic=actor.clinic,
                    session=session,
                    kind=point.kind,
                    view=point.view,
                    x=point.x,
                    y=point.y,
                    region=point.region,
                    side=point.side,
                    region_label=point.region_label,
                    product_id=point.product_id,
                    lot=lot,
                    volume_ml=point.volume_ml,
                    depth_mm=point.depth_mm,
                    technique=point.technique,
                    needle=point.needle,
                    created_by=actor.user,
                )
            )
        InjectionPoint.objects.bulk_create(copied)
        audit_event_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=session,
            patient_id=session.patient_id,
            summary=f"{len(copied)} injections copied from session {previous.number}",
        )
    return len(copied)
