from __future__ import annotations

from typing import Any

from django import forms

from mesodesk.catalog.choices import Anaesthesia, ConcentrationUnit, LotStatus, ProductKind
from mesodesk.catalog.fields import PROTOCOL_BOUNDS
from mesodesk.catalog.models import Product, Protocol
from mesodesk.catalog.services.protocols import FIELD_LABELS
from mesodesk.knowledge.loader import knowledge

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
COMPONENT_ROWS = 5


def _ingredients() -> list[tuple[str, str]]:
    return [("", "—"), *((i.code, i.name) for i in knowledge().ingredients.values())]


class ProductForm(forms.Form):
    name = forms.CharField(max_length=200)
    kind = forms.ChoiceField(choices=ProductKind.choices)
    manufacturer = forms.CharField(max_length=200, required=False)
    presentation = forms.CharField(
        max_length=200, required=False, help_text="For example: vial 5 mL"
    )
    storage_notes = forms.CharField(max_length=500, required=False)
    reorder_level_ml = forms.DecimalField(
        min_value=0, max_digits=9, decimal_places=2, initial=0, label="Reorder below (mL)"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for i in range(COMPONENT_ROWS):
            self.fields[f"c{i}_ingredient"] = forms.ChoiceField(
                choices=_ingredients, required=False, label="Ingredient"
            )
            self.fields[f"c{i}_amount"] = forms.DecimalField(
                required=False, max_digits=12, decimal_places=4, label="Amount"
            )
            self.fields[f"c{i}_unit"] = forms.ChoiceField(
                choices=ConcentrationUnit.choices, required=False, label="Unit"
            )

    def component_rows(self) -> list[list[forms.BoundField]]:
        return [
            [self[f"c{i}_{p}"] for p in ("ingredient", "amount", "unit")]
            for i in range(COMPONENT_ROWS)
        ]

    def product_data(self) -> dict[str, Any]:
        return {
            k: self.cleaned_data[k]
            for k in (
                "name",
                "kind",
                "manufacturer",
                "presentation",
                "storage_notes",
                "reorder_level_ml",
            )
        }

    def components(self) -> list[dict[str, Any]]:
        data = self.cleaned_data
        return [
            {
                "ingredient": data[f"c{i}_ingredient"],
                "amount": data[f"c{i}_amount"],
                "unit": data[f"c{i}_unit"],
            }
            for i in range(COMPONENT_ROWS)
            if data.get(f"c{i}_ingredient")
        ]

    def error_field(self, key: str) -> str | None:
        """Maps a service field path (components.1.amount) to this form's field (c1_amount)."""
        if key.startswith("components."):
            parts = key.split(".")
            if len(parts) == 3:
                return f"c{parts[1]}_{parts[2]}"
            return None
        return key if key in self.fields else None


class LotReceiveForm(forms.Form):
    product_id = forms.ModelChoiceField(queryset=Product.objects.none(), label="Product")
    lot_number = forms.CharField(max_length=80)
    expiry_date = forms.DateField(widget=DATE)
    supplier = forms.CharField(max_length=200, required=False)
    received_on = forms.DateField(widget=DATE, required=False)
    quantity_ml = forms.DecimalField(max_digits=10, decimal_places=2, label="Quantity (mL)")

    def __init__(self, *args: Any, products: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["product_id"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = products if products is not None else Product.objects.none()


class LotAdjustForm(forms.Form):
    delta_ml = forms.DecimalField(
        max_digits=10, decimal_places=2, label="Change (mL, negative to remove)"
    )
    reason = forms.CharField(max_length=500)


class LotStatusForm(forms.Form):
    status = forms.ChoiceField(
        choices=[(s, label) for s, label in LotStatus.choices if s != LotStatus.EXPIRED]
    )
    reason = forms.CharField(max_length=500)


def _views() -> list[tuple[str, str]]:
    return [(v.code, v.label) for v in knowledge().photo_views.values()]


def _techniques() -> list[tuple[str, str]]:
    return [("", "—"), *((t.code, t.label) for t in knowledge().techniques.values())]


class ProtocolForm(forms.ModelForm[Protocol]):
    technique = forms.ChoiceField(choices=_techniques, required=False)
    anaesthesia = forms.ChoiceField(choices=Anaesthesia.choices)
    schedule_days = forms.CharField(
        required=False,
        help_text="Fixed days from the first session (0, 3, 6 …); "
        "leave empty to use the interval window.",
    )
    photo_views_baseline = forms.MultipleChoiceField(
        choices=_views, required=False, widget=forms.CheckboxSelectMultiple
    )
    photo_views_end = forms.MultipleChoiceField(
        choices=_views, required=False, widget=forms.CheckboxSelectMultiple
    )
    photo_views_follow_up = forms.MultipleChoiceField(
        choices=_views, required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Protocol
        fields = [
            "name",
            "sessions",
            "interval_min_days",
            "interval_max_days",
            "schedule_days",
            "technique",
            "depth_min_mm",
            "depth_max_mm",
            "needle",
            "points_per_area",
            "volume_per_point_ml",
            "anaesthesia",
            "anaesthesia_minutes",
            "photo_views_baseline",
            "photo_views_end",
            "photo_views_follow_up",
            "follow_up_weeks",
            "maintenance_interval_days",
            "notes",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.label = FIELD_LABELS.get(name, field.label)
        for name, spec in PROTOCOL_BOUNDS.items():
            # The browser hints the same range; the service gives the one message for both.
            self.fields[name].widget.attrs.update(min=spec.low, max=spec.high)
        # Always the typed form ("0, 3, 6"), never the stored list: an empty list would
        # otherwise show as the literal "[]" and fail on the next save.
        self.initial["schedule_days"] = ", ".join(
            str(d) for d in (self.instance.schedule_days or [])
        )

    def clean_sessions(self) -> int | None:
        sessions: int | None = self.cleaned_data.get("sessions")
        spec = PROTOCOL_BOUNDS["sessions"]
        if sessions is not None and not spec.low <= sessions <= spec.high:
            raise forms.ValidationError(f"Enter a whole number from {spec.low} to {spec.high}.")
        return sessions

    def clean_schedule_days(self) -> list[int]:
        raw = (self.cleaned_data.get("schedule_days") or "").strip().strip("[]")
        try:
            return [int(part) for part in raw.replace(";", ",").split(",") if part.strip()]
        except ValueError as exc:
            raise forms.ValidationError("Give whole days separated by commas.") from exc

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        low, high = cleaned.get("interval_min_days"), cleaned.get("interval_max_days")
        if low is not None and high is not None and high < low:
            self.add_error(
                "interval_max_days", "The longest interval is shorter than the shortest."
            )
        return cleaned

    def changes(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in self.Meta.fields}
