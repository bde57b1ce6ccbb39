"""Forms of organisation management: parse only; the services validate and write."""

from __future__ import annotations

from typing import Any

from django import forms

from tandem.notifications.forms import (
    CUSTOM,
    DEFAULT,
    LADDER_CHOICE,
    NONE,
    RemindersForm,
    describe,
)


class OrganisationForm(forms.Form):
    name = forms.CharField(
        label="Name",
        max_length=200,
        widget=forms.TextInput(attrs={"class": "form-control", "autocomplete": "organization"}),
    )
    slug = forms.CharField(
        label="Short name",
        max_length=80,
        help_text="Lower-case letters, digits and hyphens; unique (e.g. “northwind”).",
        widget=forms.TextInput(attrs={"class": "form-control", "autocomplete": "off"}),
    )
    admin_email = forms.CharField(
        label="First admin's email",
        max_length=254,
        help_text="An existing account: ask them to sign up first.",
        widget=forms.EmailInput(attrs={"class": "form-control", "autocomplete": "off"}),
    )


class AdminForm(forms.Form):
    email = forms.CharField(
        label="Email of the new admin",
        max_length=254,
        help_text="An existing account.",
        widget=forms.EmailInput(attrs={"class": "form-control", "autocomplete": "off"}),
    )


class OrgRemindersForm(RemindersForm):
    """The client side of the coach's reminder form: the organisation's members."""

    SIDES = ("client",)  # type: ignore[assignment]  # one side of the coach's two

    def __init__(self, *args: Any, defaults: dict[str, tuple[int, ...]], **kwargs: Any) -> None:
        super().__init__(*args, defaults=defaults, **kwargs)
        choice = self.fields["client_choice"]
        assert isinstance(choice, forms.ChoiceField)
        choice.label = "Your members are reminded"
        choice.choices = [
            (DEFAULT, f"Default: {describe(defaults['client'])}"),
            (LADDER_CHOICE, "Ladder: 5, 4, 3, 2, 1 hours before"),
            (NONE, "No reminders"),
            (CUSTOM, "Our own lead times"),
        ]
        self.fields["client_custom"].label = "Members' own lead times"
