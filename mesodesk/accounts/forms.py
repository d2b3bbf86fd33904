from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from mesodesk.accounts.fields import TOKEN_DAYS


class LoginForm(AuthenticationForm):
    username = forms.EmailField(
        label="E-mail", widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )


class ApiTokenForm(forms.Form):
    name = forms.CharField(max_length=100)
    days = forms.IntegerField(**TOKEN_DAYS.form_kwargs(), initial=90, label="Valid for (days)")
