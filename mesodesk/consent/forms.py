from __future__ import annotations

from typing import Any

from django import forms

from mesodesk.consent.document import ConsentDocument
from mesodesk.knowledge.loader import knowledge


class SignForm(forms.Form):
    photo_consent = forms.TypedChoiceField(
        choices=[("yes", "Yes, photographs may be taken"), ("no", "No photographs")],
        widget=forms.RadioSelect,
        coerce=lambda v: v == "yes",
        required=False,
        label="Photographs (a separate choice)",
    )
    signer_name = forms.CharField(max_length=200, label="Your full name", required=False)
    signature = forms.CharField(widget=forms.HiddenInput, required=False, max_length=600_000)
    text_sha256 = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args: Any, document: ConsentDocument, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.document = document
        for statement in document.statements:
            self.fields[f"statement_{statement.key}"] = forms.BooleanField(
                required=False, label=statement.text
            )

    def statement_fields(self) -> list[forms.BoundField]:
        return [self[f"statement_{s.key}"] for s in self.document.statements]

    def accepted(self) -> list[str]:
        return [
            s.key for s in self.document.statements if self.cleaned_data.get(f"statement_{s.key}")
        ]

    def photo(self) -> bool | None:
        raw = self.data.get("photo_consent")
        return None if raw not in ("yes", "no") else raw == "yes"


class CountersignForm(forms.Form):
    password = forms.CharField(
        label="Your password or signing PIN",
        max_length=256,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text="Countersigning is an electronic signature: confirm it is you.",
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="How and when the patient withdrew.",
    )


def _indications() -> list[tuple[str, str]]:
    return [(i.code, i.label) for i in knowledge().indications.values()]


class TemplateForm(forms.Form):
    indication = forms.ChoiceField(choices=_indications)
    title = forms.CharField(
        max_length=200, required=False, help_text="Leave empty for the standard title."
    )
    introduction = forms.CharField(
        required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )
    alternatives = forms.CharField(max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))
    withdrawal_text = forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    photo_text = forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    extra_statements = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Extra statements the patient must tick, one per line.",
    )

    def data_for_service(self) -> dict[str, Any]:
        data = {k: v for k, v in self.cleaned_data.items() if k != "indication"}
        if not data.get("title"):
            data.pop("title", None)
        data["extra_statements"] = [
            line.strip()
            for line in (self.cleaned_data.get("extra_statements") or "").splitlines()
            if line.strip()
        ]
        return data
