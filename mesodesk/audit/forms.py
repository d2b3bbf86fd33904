from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms

from mesodesk.accounts.selectors import clinic_users
from mesodesk.audit.choices import AuditAction
from mesodesk.audit.selectors import AuditFilter

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class AuditFilterForm(forms.Form):
    patient = forms.UUIDField(required=False, label="Patient (id)")
    user = forms.ModelChoiceField(queryset=clinic_users(clinic=None), required=False, label="User")
    action = forms.ChoiceField(choices=[("", "Any"), *AuditAction.choices], required=False)
    since = forms.DateField(required=False, widget=DATE, label="From")
    until = forms.DateField(required=False, widget=DATE, label="To (inclusive)")

    def __init__(self, *args: Any, clinic: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        user_field = self.fields["user"]
        assert isinstance(user_field, forms.ModelChoiceField)
        user_field.queryset = clinic_users(clinic=clinic)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("since") and data.get("until") and data["until"] < data["since"]:
            self.add_error("until", "The end is before the start.")
        return data

    def to_filter(self, zone: dt.tzinfo) -> AuditFilter:
        data = self.cleaned_data if self.is_valid() else {}

        def start(day: dt.date | None) -> dt.datetime | None:
            return dt.datetime.combine(day, dt.time.min, tzinfo=zone) if day else None

        until = data.get("until")
        return AuditFilter(
            patient_id=data.get("patient"),
            actor_id=data["user"].pk if data.get("user") else None,
            action=data.get("action") or "",
            since=start(data.get("since")),
            until=start(until + dt.timedelta(days=1)) if until else None,
        )
