from __future__ import annotations

from typing import Any

from django import forms

from mesodesk.accounts.models import User
from mesodesk.catalog.models import Lot
from mesodesk.knowledge.loader import KnowledgeBase
from mesodesk.sessions.choices import PointKind
from mesodesk.sessions.fields import ANAESTHETIC_MINUTES_AGO


class ReconfirmForm(forms.Form):
    medicines_unchanged = forms.BooleanField(
        required=False,
        label="The patient confirms their medicines today (new ones are recorded in the history)",
    )

    def __init__(
        self, *args: Any, questions: list[tuple[str, str, str]], kb: KnowledgeBase, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.questions = questions
        areas = [("", "—"), *((a.code, a.label) for a in kb.body_areas.values())]
        for code, question, kind in questions:
            self.fields[f"answer_{code}"] = forms.ChoiceField(
                choices=[("absent", "No"), ("present", "Yes")],
                widget=forms.RadioSelect,
                label=question,
                required=False,
            )
            if kind == "site":
                self.fields[f"site_{code}"] = forms.ChoiceField(
                    choices=areas, required=False, label="If yes: where"
                )

    def rows(self) -> list[tuple[str, str, forms.BoundField, forms.BoundField | None]]:
        return [
            (
                code,
                question,
                self[f"answer_{code}"],
                self[f"site_{code}"] if f"site_{code}" in self.fields else None,
            )
            for code, question, _ in self.questions
        ]

    def answers(self) -> dict[str, str]:
        return {
            code: self.cleaned_data.get(f"answer_{code}") or "" for code, _, _ in self.questions
        }

    def sites(self) -> dict[str, str]:
        return {
            code: self.cleaned_data.get(f"site_{code}") or ""
            for code, _, kind in self.questions
            if kind == "site"
        }


class AntisepsisForm(forms.Form):
    agent = forms.ChoiceField(label="Antiseptic")

    def __init__(self, *args: Any, kb: KnowledgeBase, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["agent"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(a.code, a.label) for a in kb.antiseptics.values()]


class AnaestheticForm(forms.Form):
    product = forms.CharField(max_length=120, initial="EMLA cream", label="Topical anaesthetic")
    minutes_ago = forms.IntegerField(
        **ANAESTHETIC_MINUTES_AGO.form_kwargs(), initial=0, label="Applied how many minutes ago"
    )


class StartForm(forms.Form):
    assistant = forms.ModelChoiceField(queryset=User.objects.none(), required=False)
    start_early = forms.BooleanField(
        required=False, label="Start before the anaesthetic's minimum time"
    )

    def __init__(self, *args: Any, staff: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["assistant"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = staff if staff is not None else User.objects.none()


class LotChoiceField(forms.ModelChoiceField[Lot]):
    """A usable lot, labelled with its product, expiry and what is left."""

    def label_from_instance(self, obj: Lot) -> str:
        return (
            f"{obj.product.name} · lot {obj.lot_number} (exp. {obj.expiry_date:%Y-%m-%d}, "
            f"{obj.quantity_remaining_ml} mL)"
        )


class PointForm(forms.Form):
    kind = forms.ChoiceField(
        choices=PointKind.choices, initial=PointKind.POINT, widget=forms.RadioSelect, label="Chart"
    )
    lot = LotChoiceField(queryset=Lot.objects.none(), label="Product · lot")
    volume_ml = forms.DecimalField(
        min_value=0.001, max_value=50, decimal_places=3, initial="0.05", label="Volume (mL)"
    )
    depth_mm = forms.DecimalField(
        min_value=0, max_value=20, decimal_places=2, required=False, label="Depth (mm)"
    )
    technique = forms.ChoiceField(required=False)
    needle = forms.CharField(max_length=80, required=False)
    view = forms.CharField(widget=forms.HiddenInput)
    region = forms.CharField(widget=forms.HiddenInput, required=False)
    side = forms.CharField(widget=forms.HiddenInput, required=False)
    x = forms.CharField(widget=forms.HiddenInput, required=False)
    y = forms.CharField(widget=forms.HiddenInput, required=False)
    # Shown in the alert at the top of the page when the service asks for them.
    confirm_volume = forms.BooleanField(
        required=False,
        label="I checked this volume; chart it",
        widget=forms.CheckboxInput(attrs={"form": "point-form"}),
    )
    over_limit_reason = forms.CharField(
        required=False,
        max_length=2000,
        label="Reason for going over the limit",
        widget=forms.Textarea(attrs={"rows": 2, "form": "point-form"}),
    )

    def __init__(self, *args: Any, lots: Any = None, kb: KnowledgeBase, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        lot_field = self.fields["lot"]
        assert isinstance(lot_field, forms.ModelChoiceField)
        lot_field.queryset = lots if lots is not None else Lot.objects.none()
        technique = self.fields["technique"]
        assert isinstance(technique, forms.ChoiceField)
        technique.choices = [("", "—"), *((t.code, t.label) for t in kb.techniques.values())]

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        lot = data.pop("lot")
        data["lot_id"] = lot.pk
        return data


class CompleteForm(forms.Form):
    notes = forms.CharField(
        required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )
    immediate_reactions = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Immediate reactions observed",
    )


def _signer_password() -> forms.CharField:
    return forms.CharField(
        label="Your password or signing PIN",
        max_length=256,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text="Signing is an electronic signature: confirm it is you.",
    )


class SessionSignForm(forms.Form):
    password = _signer_password()


class AddendumForm(forms.Form):
    text = forms.CharField(max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))
    password = _signer_password()


class EndForm(forms.Form):
    reason = forms.CharField(max_length=2000)
    did_not_attend = forms.BooleanField(required=False, label="The patient did not attend")


class SendForm(forms.Form):
    to = forms.EmailField(required=False, label="E-mail to (the patient's address if empty)")
