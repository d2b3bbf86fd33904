"""The patient-facing intake questionnaire, built from the knowledge base's conditions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms

from mesodesk.knowledge.loader import knowledge
from mesodesk.patients.fields import HEIGHT_CM, WEIGHT_KG
from mesodesk.patients.forms import DATE, allergen_suggest_attrs, area_choices
from mesodesk.patients.intake import IntakeAnswers

MEDICATION_ROWS = 6
ALLERGY_ROWS = 4
ANSWERS = [("yes", "Yes"), ("no", "No"), ("unsure", "Not sure")]
DATE_LABELS = {
    "pregnancy": "If yes: expected due date (if you know it)",
    "cancer": "If in remission: since when",
    "dated": "If yes: roughly when",
}


@dataclass(frozen=True)
class Question:
    code: str
    text: str
    help: str
    answer: forms.BoundField
    extras: list[forms.BoundField]


class IntakeQuestionnaireForm(forms.Form):
    no_medications = forms.BooleanField(required=False, label="I take no medicines")
    no_allergies = forms.BooleanField(required=False, label="I have no known allergies")
    weight_kg = forms.DecimalField(
        required=False,
        **WEIGHT_KG.form_kwargs(),
        decimal_places=1,
        label="Your weight (kg), if you know it",
    )
    height_cm = forms.DecimalField(
        required=False,
        **HEIGHT_CM.form_kwargs(),
        decimal_places=1,
        label="Your height (cm), if you know it",
    )
    concerns = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="What would you like to improve?",
    )
    target_areas = forms.MultipleChoiceField(
        required=False,
        choices=area_choices,
        widget=forms.CheckboxSelectMultiple,
        label="Which areas?",
    )
    other_health = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Anything else about your health we should know?",
    )

    def __init__(self, *args: Any, suggest_url: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kb = knowledge()
        for code, condition in kb.conditions.items():
            if not condition.intake:
                continue
            self.fields[f"c_{code}"] = forms.ChoiceField(
                choices=ANSWERS,
                widget=forms.RadioSelect,
                label=condition.patient_question,
                error_messages={"required": "Please answer this question."},
            )
            self.fields[f"c_{code}_detail"] = forms.CharField(
                required=False, max_length=500, label="Details (optional)"
            )
            if condition.kind in DATE_LABELS:
                self.fields[f"c_{code}_date"] = forms.DateField(
                    required=False, widget=DATE, label=DATE_LABELS[condition.kind]
                )
            if condition.kind == "cancer":
                self.fields[f"c_{code}_remission"] = forms.BooleanField(
                    required=False, label="I am in remission"
                )
            if condition.kind == "site":
                self.fields[f"c_{code}_site"] = forms.ChoiceField(
                    required=False, choices=[("", "—"), *area_choices()], label="If yes: where"
                )
        med_classes = [(m.code, m.patient_label) for m in kb.medication_classes.values()]
        for i in range(MEDICATION_ROWS):
            self.fields[f"med_{i}_name"] = forms.CharField(
                required=False, max_length=200, label="Medicine"
            )
            self.fields[f"med_{i}_class"] = forms.ChoiceField(
                required=False, choices=[("", "What is it for?"), *med_classes], label="What kind"
            )
            self.fields[f"med_{i}_dose"] = forms.CharField(
                required=False, max_length=200, label="How much / how often"
            )
        groups = [(g.code, g.patient_label) for g in kb.allergy_groups.values()]
        for i in range(ALLERGY_ROWS):
            self.fields[f"all_{i}_substance"] = forms.CharField(
                required=False, max_length=200, label="Allergic to"
            )
            if suggest_url:
                self.fields[f"all_{i}_substance"].widget.attrs.update(
                    allergen_suggest_attrs(suggest_url)
                )
            self.fields[f"all_{i}_group"] = forms.ChoiceField(
                required=False, choices=[("", "—"), *groups], label="Or pick from the list"
            )
            self.fields[f"all_{i}_reaction"] = forms.CharField(
                required=False, max_length=500, label="What happened"
            )
            self.fields[f"all_{i}_severity"] = forms.ChoiceField(
                required=False,
                label="How bad",
                choices=[
                    ("unknown", "Not sure"),
                    ("mild", "Mild"),
                    ("moderate", "Moderate"),
                    ("severe", "Severe"),
                ],
            )

    def questions(self) -> list[Question]:
        result = []
        for code, condition in knowledge().conditions.items():
            if not condition.intake:
                continue
            extras = [
                self[name]
                for name in (
                    f"c_{code}_date",
                    f"c_{code}_remission",
                    f"c_{code}_site",
                    f"c_{code}_detail",
                )
                if name in self.fields
            ]
            result.append(
                Question(
                    code,
                    condition.patient_question,
                    condition.patient_help,
                    self[f"c_{code}"],
                    extras,
                )
            )
        return result

    def medication_rows(self) -> list[list[forms.BoundField]]:
        return [
            [self[f"med_{i}_{p}"] for p in ("name", "class", "dose")]
            for i in range(MEDICATION_ROWS)
        ]

    def allergy_rows(self) -> list[list[forms.BoundField]]:
        return [
            [self[f"all_{i}_{p}"] for p in ("substance", "group", "reaction", "severity")]
            for i in range(ALLERGY_ROWS)
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        meds = [i for i in range(MEDICATION_ROWS) if data.get(f"med_{i}_name")]
        if not meds and not data.get("no_medications"):
            self.add_error("no_medications", "List your medicines, or tick “I take no medicines”.")
        if meds and data.get("no_medications"):
            self.add_error("no_medications", "You listed medicines and ticked “no medicines”.")
        allergies = [
            i
            for i in range(ALLERGY_ROWS)
            if data.get(f"all_{i}_substance") or data.get(f"all_{i}_group")
        ]
        if not allergies and not data.get("no_allergies"):
            self.add_error(
                "no_allergies", "List your allergies, or tick “I have no known allergies”."
            )
        if allergies and data.get("no_allergies"):
            self.add_error("no_allergies", "You listed allergies and ticked “no known allergies”.")
        if (
            data.get("c_cancer") == "yes"
            and data.get("c_cancer_remission")
            and not data.get("c_cancer_date")
        ):
            self.add_error("c_cancer_date", "Tell us since when you are in remission.")
        if data.get("c_active_skin_infection") == "yes" and not data.get(
            "c_active_skin_infection_site"
        ):
            self.add_error("c_active_skin_infection_site", "Tell us where.")
        return data

    def answers(self) -> IntakeAnswers:
        data = self.cleaned_data
        conditions: dict[str, dict[str, Any]] = {}
        for code, condition in knowledge().conditions.items():
            if not condition.intake:
                continue
            conditions[code] = {
                "answer": data[f"c_{code}"],
                "detail": data.get(f"c_{code}_detail", ""),
                "date": data.get(f"c_{code}_date"),
                "in_remission": bool(data.get(f"c_{code}_remission")),
                "site": data.get(f"c_{code}_site", "") or "",
            }
        medications = [
            {
                "name": data[f"med_{i}_name"],
                "medication_class": data[f"med_{i}_class"] or "other",
                "dose": data[f"med_{i}_dose"],
            }
            for i in range(MEDICATION_ROWS)
            if data.get(f"med_{i}_name")
        ]
        allergies = [
            {
                "substance": data[f"all_{i}_substance"],
                "allergy_group": data[f"all_{i}_group"],
                "reaction": data[f"all_{i}_reaction"],
                "severity": data[f"all_{i}_severity"] or "unknown",
            }
            for i in range(ALLERGY_ROWS)
            if data.get(f"all_{i}_substance") or data.get(f"all_{i}_group")
        ]
        return IntakeAnswers.model_validate(
            {
                "conditions": conditions,
                "medications": medications,
                "no_medications": bool(data.get("no_medications")),
                "allergies": allergies,
                "no_allergies": bool(data.get("no_allergies")),
                "weight_kg": data.get("weight_kg"),
                "height_cm": data.get("height_cm"),
                "concerns": data.get("concerns", ""),
                "target_areas": data.get("target_areas", []),
                "other_health": data.get("other_health", ""),
            }
        )
