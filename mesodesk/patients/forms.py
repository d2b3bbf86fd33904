"""Forms of the patient pages; services re-validate everything they are given."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.http import QueryDict

from mesodesk.knowledge.loader import knowledge
from mesodesk.patients.choices import (
    AllergySeverity,
    ClinicalStatus,
    MedicationStatus,
    VerificationStatus,
)
from mesodesk.patients.fields import DEMOGRAPHIC_FIELDS, INTAKE_LINK_TTL_HOURS
from mesodesk.patients.models import Allergy, Condition, Medication, Patient

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def area_choices() -> list[tuple[str, str]]:
    return [(a.code, a.label) for a in knowledge().body_areas.values()]


def scale_help(code: str) -> str:
    scale = knowledge().scales[code]
    return " · ".join(f"{level.value}: {level.definition}" for level in scale.levels)


class DemographicsForm(forms.ModelForm[Patient]):
    class Meta:
        model = Patient
        fields = list(DEMOGRAPHIC_FIELDS)
        widgets = {"date_of_birth": DATE, "address": forms.Textarea(attrs={"rows": 2})}


class ClinicalProfileForm(forms.ModelForm[Patient]):
    target_areas = forms.MultipleChoiceField(
        choices=area_choices, required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Patient
        fields = [
            "weight_kg",
            "height_cm",
            "measured_on",
            "fitzpatrick",
            "glogau",
            "concerns",
            "target_areas",
        ]
        widgets = {"measured_on": DATE, "concerns": forms.Textarea(attrs={"rows": 3})}
        labels = {"weight_kg": "Weight (kg)", "height_cm": "Height (cm)", "glogau": "Glogau class"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["fitzpatrick"].help_text = scale_help("fitzpatrick")
        self.fields["glogau"].help_text = scale_help("glogau")
        self.fields["fitzpatrick"].label = "Fitzpatrick skin type"
        self.fields[
            "measured_on"
        ].help_text = "Date weight and height were measured (today if empty)."


def condition_choices() -> list[tuple[str, str]]:
    return [(c.code, c.label) for c in knowledge().conditions.values()]


class ConditionForm(forms.ModelForm[Condition]):
    code = forms.ChoiceField(choices=condition_choices, label="Condition")
    body_site = forms.ChoiceField(
        choices=lambda: [("", "—"), *area_choices()], required=False, label="Site"
    )
    verification_status = forms.ChoiceField(
        choices=[
            (VerificationStatus.CONFIRMED, "Present"),
            (VerificationStatus.REFUTED, "Absent (checked)"),
            (VerificationStatus.UNCONFIRMED, "Not sure / to confirm"),
            (VerificationStatus.ENTERED_IN_ERROR, "Entered in error"),
        ],
        label="Status",
    )

    class Meta:
        model = Condition
        fields = [
            "code",
            "verification_status",
            "clinical_status",
            "onset_date",
            "abatement_date",
            "expected_date",
            "body_site",
            "other_text",
            "asserted_on",
            "note",
        ]
        widgets = {
            "onset_date": DATE,
            "abatement_date": DATE,
            "expected_date": DATE,
            "asserted_on": DATE,
            "note": forms.Textarea(attrs={"rows": 2}),
        }
        labels = {
            "asserted_on": "Checked on",
            "other_text": "Describe (for other)",
            "expected_date": "Expected delivery date (pregnancy)",
            "abatement_date": "Remission date (cancer)",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["clinical_status"]).choices = ClinicalStatus.choices
        self.fields["asserted_on"].required = False
        if not self.instance._state.adding:
            self.fields["code"].disabled = True


def medication_class_choices() -> list[tuple[str, str]]:
    return [(m.code, m.label) for m in knowledge().medication_classes.values()]


class MedicationForm(forms.ModelForm[Medication]):
    medication_class = forms.ChoiceField(choices=medication_class_choices, label="Class")

    class Meta:
        model = Medication
        fields = [
            "name",
            "medication_class",
            "status",
            "dose",
            "started_on",
            "stopped_on",
            "asserted_on",
            "note",
        ]
        widgets = {
            "started_on": DATE,
            "stopped_on": DATE,
            "asserted_on": DATE,
            "note": forms.Textarea(attrs={"rows": 2}),
        }
        labels = {"asserted_on": "Checked on"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["status"]).choices = MedicationStatus.choices
        self.fields["asserted_on"].required = False


ALLERGEN_LIST_ID = "allergen-options"


def allergen_suggest_attrs(url: str) -> dict[str, str]:
    """Attributes that make a substance field suggest allergen-vocabulary entries as the
    person types (HTMX fills the shared <datalist>; without scripts it is a plain field)."""
    return {
        "list": ALLERGEN_LIST_ID,
        "autocomplete": "off",
        "hx-get": url,
        "hx-trigger": "input changed delay:250ms",
        "hx-target": f"#{ALLERGEN_LIST_ID}",
        "hx-swap": "innerHTML",
        "hx-sync": "this:replace",
    }


def allergen_typed(query: QueryDict) -> str:
    """What was typed into an allergy field: `q`, or the substance field that asked."""
    typed = query.get("q", "")
    for key in query:
        if not typed and key.endswith("substance"):
            typed = query.get(key, "")
    return typed[:200]


def allergy_group_choices() -> list[tuple[str, str]]:
    return [("", "—"), *((g.code, g.label) for g in knowledge().allergy_groups.values())]


class AllergyForm(forms.ModelForm[Allergy]):
    allergy_group = forms.ChoiceField(
        choices=allergy_group_choices, required=False, label="Allergy group"
    )

    class Meta:
        model = Allergy
        fields = [
            "substance",
            "allergy_group",
            "reaction",
            "severity",
            "verification_status",
            "asserted_on",
            "note",
        ]
        widgets = {"asserted_on": DATE, "note": forms.Textarea(attrs={"rows": 2})}
        labels = {"asserted_on": "Checked on", "verification_status": "Status"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["severity"]).choices = AllergySeverity.choices
        self.fields["asserted_on"].required = False


class IntakeLinkForm(forms.Form):
    send_to = forms.EmailField(
        required=False,
        label="E-mail the link to",
        help_text="Leave empty to only show the link (to copy or open on a tablet).",
    )
    ttl_hours = forms.IntegerField(
        **INTAKE_LINK_TTL_HOURS.form_kwargs(), initial=72, label="Valid for (hours)"
    )


class IntakeRejectForm(forms.Form):
    reason = forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


def changed_data(form: forms.ModelForm[Any]) -> dict[str, Any]:
    """The cleaned values of the fields a form carries, empty dates as None."""
    data = {
        name: form.cleaned_data.get(name) for name in form.fields if not form.fields[name].disabled
    }
    if "asserted_on" in data and data["asserted_on"] is None:
        del data["asserted_on"]
    return data
