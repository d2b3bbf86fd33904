from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm


class LoginForm(AuthenticationForm):
    username = forms.EmailField(
        label="E-mail", widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )


class ApiTokenForm(forms.Form):
    name = forms.CharField(max_length=100)
    days = forms.IntegerField(min_value=1, max_value=365, initial=90, label="Valid for (days)")
