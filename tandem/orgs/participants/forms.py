"""Forms of the roster pages: they parse; the services decide."""

from __future__ import annotations

from django import forms

from . import services


class InviteForm(forms.Form):
    email = forms.EmailField(
        label="Email",
        max_length=services.MAX_EMAIL,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    name = forms.CharField(label="Name", required=False, max_length=services.MAX_NAME)


class MoveForm(forms.Form):
    email = forms.EmailField(
        label="Give the seat to (email)",
        max_length=services.MAX_EMAIL,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    name = forms.CharField(label="Their name", required=False, max_length=services.MAX_NAME)
