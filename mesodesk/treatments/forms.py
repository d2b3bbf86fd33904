from __future__ import annotations

from typing import Any

from django import forms

from mesodesk.catalog.models import Product, Protocol
from mesodesk.knowledge.loader import knowledge
from mesodesk.treatments.fields import SESSIONS_PLANNED, TOPICAL_ANAESTHETIC_G


def _indications() -> list[tuple[str, str]]:
    return [(i.code, i.label) for i in knowledge().indications.values()]


def _areas() -> list[tuple[str, str]]:
    return [(a.code, a.label) for a in knowledge().body_areas.values()]


class PlanForm(forms.Form):
    indication = forms.ChoiceField(choices=_indications)
    areas = forms.MultipleChoiceField(choices=_areas, widget=forms.CheckboxSelectMultiple)
    protocol = forms.ModelChoiceField(
        queryset=Protocol.objects.none(),
        required=False,
        help_text="A published protocol for this indication.",
    )
    sessions_planned = forms.IntegerField(
        **SESSIONS_PLANNED.form_kwargs(),
        required=False,
        help_text="Defaults to the protocol's sessions.",
    )
    topical_anaesthetic_g = forms.DecimalField(
        **TOPICAL_ANAESTHETIC_G.form_kwargs(),
        decimal_places=2,
        required=False,
        label="Topical anaesthetic cream (g per session)",
    )
    notes = forms.CharField(
        required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, protocols: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["protocol"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = protocols if protocols is not None else Protocol.objects.none()

    def data_for_service(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        protocol = data.pop("protocol")
        data["protocol_id"] = protocol.pk if protocol else None
        return data


class LineForm(forms.Form):
    product = forms.ModelChoiceField(queryset=Product.objects.none())
    volume_ml = forms.DecimalField(
        min_value=0.01, max_value=500, decimal_places=2, label="Volume per session (mL)"
    )
    area = forms.ChoiceField(required=False)

    def __init__(
        self, *args: Any, products: Any = None, areas: list[str] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["product"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = products if products is not None else Product.objects.none()
        labels = {a.code: a.label for a in knowledge().body_areas.values()}
        area_field = self.fields["area"]
        assert isinstance(area_field, forms.ChoiceField)
        area_field.choices = [
            ("", "All planned areas"),
            *((a, labels.get(a, a)) for a in (areas or [])),
        ]


class VolumeForm(forms.Form):
    volume_ml = forms.DecimalField(min_value=0.01, max_value=500, decimal_places=2)


class CancelForm(forms.Form):
    reason = forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
