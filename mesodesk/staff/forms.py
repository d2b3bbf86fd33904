from __future__ import annotations

from django import forms

from mesodesk.accounts.choices import Role
from mesodesk.accounts.models import Clinic
from mesodesk.accounts.selectors import clinics_among


class InviteForm(forms.Form):
    full_name = forms.CharField(max_length=200, label="Name")
    email = forms.EmailField(label="E-mail")
    role = forms.ChoiceField(choices=Role.choices)
    clinic = forms.ModelChoiceField(queryset=Clinic.objects.none(), empty_label=None)

    def __init__(self, *args: object, clinics: list[Clinic], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["clinic"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = clinics_among(clinics=clinics)
        if len(clinics) == 1:
            field.widget = forms.HiddenInput()
            field.initial = clinics[0].pk


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class AcceptForm(forms.Form):
    password = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}), label="Password"
    )
    password_again = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        label="Password again",
    )


class BreakGlassForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        label="Why do you need this chart now?",
    )


class BreakGlassFindForm(BreakGlassForm):
    clinic = forms.ModelChoiceField(queryset=Clinic.objects.none(), empty_label=None)
    family_name = forms.CharField(max_length=100, label="Family name")
    date_of_birth = forms.DateField(
        label="Date of birth", widget=forms.DateInput(attrs={"type": "date"})
    )

    field_order = ["clinic", "family_name", "date_of_birth", "reason"]

    def __init__(self, *args: object, clinics: list[Clinic], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["clinic"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = clinics_among(clinics=clinics)


class ReviewForm(forms.Form):
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class PolicyForm(forms.Form):
    break_glass_minutes = forms.IntegerField(
        min_value=5, max_value=24 * 60, label="Break-glass access lasts (minutes)"
    )
