"""Forms a clinic admin uses to configure the knowledge base for the clinic."""

from __future__ import annotations

from typing import Any

from django import forms

from mesodesk.core.errors import FieldErrors
from mesodesk.core.htmx import form_add_errors
from mesodesk.knowledge import schema
from mesodesk.knowledge.fields import RULE_PARAM_BOUNDS
from mesodesk.knowledge.loader import KnowledgeBase

SEVERITIES = [("absolute", "Absolute (contraindicated)"), ("relative", "Relative (caution)")]
PARAM_LABELS = {
    "months": "Months",
    "within_months": "Within (months)",
    "years": "Years",
    "min_count": "At least (medicines)",
}


class ReasonField(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            required=False,
            max_length=2000,
            widget=forms.Textarea(attrs={"rows": 2}),
            help_text="Required when a rule is loosened or a default changes.",
            **kwargs,
        )


class RuleChangeForm(forms.Form):
    """A rule's settings for the clinic; `switched_off` when the clinic switched the rule off
    (ticking "Rule is on" then switches it back on as it was)."""

    severity = forms.ChoiceField(choices=SEVERITIES)
    overridable = forms.BooleanField(required=False, label="A practitioner may override it")
    enabled = forms.BooleanField(required=False, label="Rule is on")
    reason = ReasonField()

    def __init__(
        self, *args: Any, rule: schema.Rule, switched_off: bool = False, **kwargs: Any
    ) -> None:
        kwargs.setdefault(
            "initial",
            {
                "severity": rule.severity,
                "overridable": rule.overridable,
                "enabled": not switched_off,
            },
        )
        super().__init__(*args, **kwargs)
        self.rule = rule
        self.switched_off = switched_off
        for name, label in PARAM_LABELS.items():
            value = getattr(rule.trigger, name, None)
            if (
                isinstance(value, int)
                and not isinstance(value, bool)
                and (name != "min_count" or rule.trigger.kind == "medication_class")
            ):
                self.fields[f"param_{name}"] = forms.IntegerField(label=label, initial=value)

    def change(self) -> dict[str, Any]:
        data = self.cleaned_data
        change: dict[str, Any] = {}
        if data["severity"] != self.rule.severity:
            change["severity"] = data["severity"]
        if data["overridable"] != self.rule.overridable:
            change["overridable"] = data["overridable"]
        if data["enabled"] == self.switched_off:  # switched on or off by this change
            change["enabled"] = data["enabled"]
        params = {
            name.removeprefix("param_"): value
            for name, value in data.items()
            if name.startswith("param_")
            and value != getattr(self.rule.trigger, name.removeprefix("param_"))
        }
        if params:
            change["params"] = params
        return change

    def add_service_errors(self, exc: FieldErrors) -> None:
        """The service's errors on the fields they name ("params.months" → param_months)."""
        form_add_errors(
            self,
            FieldErrors(
                {
                    (f"param_{k.removeprefix('params.')}" if k.startswith("params.") else k): v
                    for k, v in exc.errors.items()
                }
            ),
        )


class ValueChangeForm(forms.Form):
    value = forms.IntegerField()
    reason = ReasonField()


class AddRuleForm(forms.Form):
    title = forms.CharField(max_length=120)
    trigger_kind = forms.ChoiceField(
        choices=[
            ("condition", "A condition is present"),
            ("medication_class", "Takes a medicine of a class"),
            ("allergy_group", "Allergy to a group"),
            ("age_below", "Younger than"),
        ],
        label="Trigger",
    )
    condition = forms.ChoiceField(required=False)
    medication_class = forms.ChoiceField(required=False)
    allergy_group = forms.ChoiceField(required=False)
    years = forms.IntegerField(required=False, **RULE_PARAM_BOUNDS["years"].form_kwargs())
    severity = forms.ChoiceField(choices=SEVERITIES)
    overridable = forms.BooleanField(
        required=False, initial=True, label="A practitioner may override it"
    )
    indications = forms.MultipleChoiceField(
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave empty for every indication.",
    )
    ingredients = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, help_text="Leave empty for every mix."
    )
    explanation = forms.CharField(max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))
    resolution = forms.CharField(max_length=500)
    sources = forms.MultipleChoiceField(required=False, help_text="Optional: cited sources.")
    reason = ReasonField()

    def __init__(self, *args: Any, kb: KnowledgeBase, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice = {
            "condition": [(c.code, c.label) for c in kb.conditions.values()],
            "medication_class": [(m.code, m.label) for m in kb.medication_classes.values()],
            "allergy_group": [(g.code, g.label) for g in kb.allergy_groups.values()],
            "indications": [(i.code, i.label) for i in kb.indications.values()],
            "ingredients": [(i.code, i.name) for i in kb.ingredients.values()],
            "sources": [
                (s.id, f"{s.id} ({s.quality}) {s.citation[:70]}") for s in kb.sources.values()
            ],
        }
        for name, options in choice.items():
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = (
                [("", "—")] if name in {"condition", "medication_class", "allergy_group"} else []
            ) + options

    def rule(self) -> dict[str, Any]:
        data = self.cleaned_data
        kind = data["trigger_kind"]
        trigger: dict[str, Any] = {"kind": kind}
        if kind == "age_below":
            trigger["years"] = data.get("years")
        else:
            trigger["code"] = data.get(kind) or ""
        return {
            "title": data["title"],
            "severity": data["severity"],
            "overridable": data["overridable"],
            "trigger": trigger,
            "scope": {"indications": data["indications"], "ingredients": data["ingredients"]},
            "explanation": data["explanation"],
            "resolution": data["resolution"],
            "sources": data["sources"],
        }

    def add_service_errors(self, exc: FieldErrors) -> None:
        """The service's errors on this form's fields: the trigger's code on the field that
        chose it, an age trigger's years on `years`, the scope on its checkboxes."""
        kind = self.cleaned_data["trigger_kind"]

        def field(key: str) -> str:
            if key == "trigger.code":
                return str(kind)
            if key.startswith("trigger.") and kind == "age_below":
                return "years"
            return key.removeprefix("scope.")

        form_add_errors(self, FieldErrors({field(k): v for k, v in exc.errors.items()}))
