"""Dose arithmetic of a mix: exact decimals with units, checked against ingredient limits.

Pure Python, no Django. `dose_report` totals every ingredient of a session's mix, evaluates
each applicable limit (per session, per kg of body weight with its cap, per volume, per
injection, per course) and says whether the mix is blocked. A limit that depends on weight is
never computed without one: the report says the weight is needed and blocks.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

Amount = Literal["mg", "units"]
Status = Literal["ok", "exceeded", "not_computed"]

# Concentration units a product's composition may use, as (factor to the base unit per mL,
# base unit). "%" is weight per volume: 1 % = 1 g per 100 mL = 10 mg/mL.
CONCENTRATION_UNITS: dict[str, tuple[Decimal, Amount]] = {
    "mg/mL": (Decimal(1), "mg"),
    "%": (Decimal(10), "mg"),
    "mcg/mL": (Decimal("0.001"), "mg"),
    "g/L": (Decimal(1), "mg"),
    "units/mL": (Decimal(1), "units"),
}


class DoseInputError(ValueError):
    """A mix that cannot be computed: an unknown unit, a negative or zero amount or volume."""


def per_ml(amount: Decimal, unit: str) -> tuple[Decimal, Amount]:
    """A concentration in its base unit per mL (mg/mL or units/mL)."""
    if unit not in CONCENTRATION_UNITS:
        raise DoseInputError(
            f"Unknown concentration unit {unit!r}; use one of {', '.join(CONCENTRATION_UNITS)}."
        )
    if not amount.is_finite() or amount <= 0:
        raise DoseInputError("A concentration must be a positive number.")
    factor, base = CONCENTRATION_UNITS[unit]
    return amount * factor, base


@dataclass(frozen=True)
class Component:
    ingredient: str
    amount: Decimal
    unit: str


@dataclass(frozen=True)
class Line:
    """A product in the mix and the volume of it given per session (optionally per area)."""

    product: str
    components: tuple[Component, ...]
    volume_ml: Decimal
    area: str = ""


@dataclass(frozen=True)
class LimitSpec:
    kind: str
    value: Decimal
    hard: bool
    cap_mg: Decimal | None = None
    when: str = "always"
    sources: tuple[str, ...] = ()
    note: str = ""
    configurable: bool = False


@dataclass(frozen=True)
class IngredientSpec:
    code: str
    name: str
    unit: Amount
    limits: tuple[LimitSpec, ...] = ()
    do_not_mix: bool = False
    increases_absorption_of: tuple[str, ...] = ()
    mix_sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class Course:
    """What the protocol says about the course, for per-course and per-injection limits."""

    sessions: int | None = None
    min_interval_days: int | None = None
    volume_per_point_ml: Decimal | None = None
    points_per_session: int | None = None


@dataclass(frozen=True)
class InjectionStats:
    """What was charted for one ingredient: how many injections, the largest volume of one."""

    count: int
    max_volume_ml: Decimal


@dataclass(frozen=True)
class Total:
    ingredient: str
    name: str
    amount: Decimal
    unit: Amount
    volume_ml: Decimal  # volume of the lines that contain it


@dataclass(frozen=True)
class Check:
    ingredient: str
    kind: str
    limit: Decimal | None
    actual: Decimal | None
    unit: str
    status: Status
    hard: bool
    message: str
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class DoseReport:
    totals: tuple[Total, ...]
    checks: tuple[Check, ...]
    notes: tuple[Check, ...] = field(default_factory=tuple)

    @property
    def blocked(self) -> bool:
        """A hard limit is exceeded, or one could not be computed (a weight is missing)."""
        return any(c.hard and c.status != "ok" for c in (*self.checks, *self.notes))

    @property
    def warnings(self) -> tuple[Check, ...]:
        return tuple(c for c in (*self.checks, *self.notes) if not c.hard and c.status != "ok")


def _fmt(value: Decimal) -> str:
    text = f"{value.quantize(Decimal('0.01')).normalize():f}"
    return text


def _totals(lines: Iterable[Line], specs: Mapping[str, IngredientSpec]) -> dict[str, Total]:
    totals: dict[str, Total] = {}
    for line in lines:
        if not line.volume_ml.is_finite() or line.volume_ml <= 0:
            raise DoseInputError(f"The volume of {line.product} must be more than 0 mL.")
        for component in line.components:
            concentration, unit = per_ml(component.amount, component.unit)
            spec = specs.get(component.ingredient)
            if spec is not None and spec.unit != unit:
                raise DoseInputError(f"{spec.name} is measured in {spec.unit}, not {unit}.")
            previous = totals.get(component.ingredient)
            amount = concentration * line.volume_ml
            totals[component.ingredient] = Total(
                ingredient=component.ingredient,
                name=spec.name if spec else component.ingredient,
                amount=(previous.amount if previous else Decimal(0)) + amount,
                unit=unit,
                volume_ml=(previous.volume_ml if previous else Decimal(0)) + line.volume_ml,
            )
    return totals


def _applies(limit: LimitSpec, code: str, lines: Iterable[Line]) -> bool:
    if limit.when == "always":
        return True
    containing = [line for line in lines if any(c.ingredient == code for c in line.components)]
    # The higher "with epinephrine" ceiling holds only if all of it comes with epinephrine.
    with_epi = bool(containing) and all(
        any(c.ingredient == "epinephrine" for c in line.components) for line in containing
    )
    return with_epi if limit.when == "with_epinephrine" else not with_epi


def _check(
    spec: IngredientSpec,
    limit: LimitSpec,
    total: Total,
    weight_kg: Decimal | None,
    course: Course,
    extra_mg: Decimal,
) -> Check | None:
    def result(limit_value: Decimal | None, actual: Decimal | None, unit: str, what: str) -> Check:
        if limit_value is None or actual is None:
            status: Status = "not_computed"
            message = what
        else:
            status = "exceeded" if actual > limit_value else "ok"
            message = (
                f"{spec.name}: {_fmt(actual)} {unit} "
                f"{'exceeds' if status == 'exceeded' else 'within'} {what} "
                f"({_fmt(limit_value)} {unit})"
            )
        return Check(
            spec.code,
            limit.kind,
            limit_value,
            actual,
            unit,
            status,
            limit.hard,
            message,
            limit.sources,
        )

    if limit.kind == "mg_per_kg":
        amount = total.amount + extra_mg
        if weight_kg is None or weight_kg <= 0:
            return result(
                None,
                amount,
                "mg",
                f"{spec.name}: the limit is {_fmt(limit.value)} mg/kg — record the "
                "patient's weight to compute it",
            )
        ceiling = limit.value * weight_kg
        capped = min(ceiling, limit.cap_mg) if limit.cap_mg is not None else ceiling
        return result(
            capped,
            amount,
            "mg",
            f"the limit of {_fmt(limit.value)} mg/kg for {_fmt(weight_kg)} kg"
            + (f", never above {_fmt(limit.cap_mg)} mg" if limit.cap_mg is not None else ""),
        )
    if limit.kind == "mg_per_session":
        return result(limit.value, total.amount + extra_mg, "mg", "the per-session limit")
    if limit.kind == "units_per_session":
        return result(limit.value, total.amount, "units", "the per-session limit")
    if limit.kind == "ml_per_session":
        return result(limit.value, total.volume_ml, "mL", "the per-session volume")
    if limit.kind == "ml_per_injection" and course.volume_per_point_ml is not None:
        return result(limit.value, course.volume_per_point_ml, "mL", "the volume per injection")
    if limit.kind == "injections_per_session" and course.points_per_session is not None:
        return result(
            limit.value,
            Decimal(course.points_per_session),
            "injections",
            "the injections per session",
        )
    if limit.kind == "max_sessions" and course.sessions is not None:
        return result(limit.value, Decimal(course.sessions), "sessions", "the sessions per course")
    if limit.kind == "min_interval_days" and course.min_interval_days is not None:
        # A shorter interval than the minimum exceeds it: compare in reverse.
        gap = Decimal(course.min_interval_days)
        status: Status = "exceeded" if gap < limit.value else "ok"
        return Check(
            spec.code,
            limit.kind,
            limit.value,
            gap,
            "days",
            status,
            limit.hard,
            f"{spec.name}: sessions {_fmt(gap)} days apart; at least "
            f"{_fmt(limit.value)} days required",
            limit.sources,
        )
    return None


def _mix_notes(
    lines: tuple[Line, ...], totals: Mapping[str, Total], specs: Mapping[str, IngredientSpec]
) -> list[Check]:
    notes: list[Check] = []
    for code in sorted(totals):
        spec = specs.get(code)
        if spec is None:
            continue
        if spec.do_not_mix:
            mixed = [
                line.product
                for line in lines
                if any(c.ingredient == code for c in line.components) and len(line.components) > 1
            ]
            if mixed:
                notes.append(
                    Check(
                        code,
                        "do_not_mix",
                        None,
                        None,
                        "",
                        "exceeded",
                        True,
                        f"{spec.name} must not be diluted or mixed with other "
                        f"compounds ({', '.join(mixed)})",
                        spec.mix_sources,
                    )
                )
            elif len(lines) > 1:
                notes.append(
                    Check(
                        code,
                        "do_not_mix",
                        None,
                        None,
                        "",
                        "exceeded",
                        False,
                        f"{spec.name} must be injected on its own: keep it out of "
                        "the syringes of the other products",
                        spec.mix_sources,
                    )
                )
        raised = sorted(c for c in spec.increases_absorption_of if c in totals)
        if raised:
            names = ", ".join(totals[c].name for c in raised)
            notes.append(
                Check(
                    code,
                    "interaction",
                    None,
                    None,
                    "",
                    "exceeded",
                    False,
                    f"{spec.name} increases the absorption and systemic reactions "
                    f"of {names}: keep their doses well inside the limits",
                    spec.mix_sources,
                )
            )
    return notes


def dose_report(
    lines: Iterable[Line],
    specs: Mapping[str, IngredientSpec],
    *,
    weight_kg: Decimal | None = None,
    course: Course = Course(),
    topical_mg: Mapping[str, Decimal] | None = None,
    injections: Mapping[str, InjectionStats] | None = None,
) -> DoseReport:
    """Totals per ingredient and every applicable limit checked. Raises DoseInputError for a
    mix that cannot be computed (unknown unit, zero or negative volume or amount)."""
    lines = tuple(lines)
    totals = _totals(lines, specs)
    extra = dict(topical_mg or {})
    checks: list[Check] = []
    for code in sorted(totals):
        spec = specs.get(code)
        if spec is None:
            continue
        stats = (injections or {}).get(code)
        ingredient_course = (
            course
            if stats is None
            else Course(
                sessions=course.sessions,
                min_interval_days=course.min_interval_days,
                volume_per_point_ml=stats.max_volume_ml,
                points_per_session=stats.count,
            )
        )
        for limit in spec.limits:
            if not _applies(limit, code, lines):
                continue
            check = _check(
                spec,
                limit,
                totals[code],
                weight_kg,
                ingredient_course,
                extra.get(code, Decimal(0)),
            )
            if check is not None:
                checks.append(check)
    return DoseReport(
        totals=tuple(totals[c] for c in sorted(totals)),
        checks=tuple(checks),
        notes=tuple(_mix_notes(lines, totals, specs)),
    )


def scale_lines(lines: Iterable[Line], factor: Decimal) -> tuple[Line, ...]:
    return tuple(
        Line(line.product, line.components, line.volume_ml * factor, line.area) for line in lines
    )
