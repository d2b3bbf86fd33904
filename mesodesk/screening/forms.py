from __future__ import annotations

from django import forms

from mesodesk.knowledge.loader import knowledge
from mesodesk.screening.services import MAX_REASON


def _indications() -> list[tuple[str, str]]:
    return [
        ("", "— general screening —"),
        *((i.code, i.label) for i in knowledge().indications.values()),
    ]


def _areas() -> list[tuple[str, str]]:
    return [(a.code, a.label) for a in knowledge().body_areas.values()]


def _ingredients() -> list[tuple[str, str]]:
    return [(i.code, i.name) for i in knowledge().ingredients.values()]


class ScreeningRunForm(forms.Form):
    indication = forms.ChoiceField(choices=_indications, required=False)
    areas = forms.MultipleChoiceField(
        choices=_areas, required=False, widget=forms.CheckboxSelectMultiple
    )
    ingredients = forms.MultipleChoiceField(
        choices=_ingredients, required=False, widget=forms.CheckboxSelectMultiple
    )


class OverrideForm(forms.Form):
    # The reason's length is checked by the service (one rule, shared with the knowledge base).
    reason = forms.CharField(
        max_length=MAX_REASON,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Why treatment may proceed despite these findings.",
    )
