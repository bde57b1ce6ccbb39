"""Forms of the programme pages: they parse; the rules are the services' (their errors are
shown on the form with tandem.core.forms.add_service_error)."""

from __future__ import annotations

from typing import Any

from django import forms

from tandem.core.money import SUPPORTED_CURRENCIES

from ..models import Programme
from . import selectors, services

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ProgrammeForm(forms.Form):
    name = forms.CharField(label="Name", max_length=services.MAX_NAME)
    starts_on = forms.DateField(label="Starts on", widget=DATE)
    ends_on = forms.DateField(label="Ends on", widget=DATE)
    seats = forms.IntegerField(label="Seats", min_value=1, max_value=services.MAX_SEATS)
    sessions_per_participant = forms.IntegerField(
        label="Sessions per participant", min_value=1, max_value=services.MAX_SESSIONS
    )
    currency = forms.ChoiceField(
        label="Currency",
        choices=[(code, f"{code} — {name}") for code, name in SUPPORTED_CURRENCIES.items()],
        initial="EUR",
    )
    coach_rule = forms.ChoiceField(
        label="Eligible coaches",
        choices=Programme.CoachRule.choices,
        widget=forms.RadioSelect,
        initial=Programme.CoachRule.ALL_VERIFIED,
    )
    coaches = forms.MultipleChoiceField(
        label="Coaches (when you choose them)",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    specialties = forms.MultipleChoiceField(
        label="Specialties (when coaches are chosen by specialty)",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    max_session_minutes = forms.IntegerField(
        label="Longest session covered (minutes, optional)",
        required=False,
        min_value=services.MIN_MINUTES,
        max_value=services.MAX_MINUTES,
    )
    location = forms.ChoiceField(label="Where sessions happen", choices=Programme.Location.choices)
    join_domain = forms.CharField(
        label="Join domain (optional)",
        required=False,
        max_length=services.MAX_DOMAIN,
        help_text="People with a verified address at this domain (e.g. northwind.example) "
        "may join by themselves. Leave empty for invitations only.",
    )
    survey_enabled = forms.BooleanField(
        label="Ask participants a short survey at the start and the end", required=False
    )

    def __init__(self, *args: Any, programme: Programme | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        coaches = self.fields["coaches"]
        specialties = self.fields["specialties"]
        assert isinstance(coaches, forms.MultipleChoiceField)
        assert isinstance(specialties, forms.MultipleChoiceField)
        coaches.choices = [
            (str(c.public_id), f"{c.user.name} — {c.headline}"[:120])
            for c in selectors.verified_coaches()
        ]
        specialties.choices = [(s.slug, s.name) for s in selectors.all_specialties()]
        if programme is not None:
            self.fields["currency"].disabled = True
            self.fields["currency"].help_text = "A programme's currency does not change."
            if programme.starts_on:
                self.fields["ends_on"].help_text = "The end date can only move later."

    def values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["join_domain"] = data.get("join_domain") or ""
        return data

    @staticmethod
    def initial_from(programme: Programme) -> dict[str, Any]:
        return {
            "name": programme.name,
            "starts_on": programme.starts_on,
            "ends_on": programme.ends_on,
            "seats": programme.seats,
            "sessions_per_participant": programme.sessions_per_participant,
            "currency": programme.currency,
            "coach_rule": programme.coach_rule,
            "coaches": [str(c.public_id) for c in programme.coaches.all()],
            "specialties": [s.slug for s in programme.specialties.all()],
            "max_session_minutes": programme.max_session_minutes,
            "location": programme.location,
            "join_domain": programme.join_domain,
            "survey_enabled": programme.survey_enabled,
        }


FUND_METHODS = [
    ("invoice", "Invoice (the budget is available at once)"),
    ("org_credit", "The organisation's credit"),
]
# Only where the provider takes cards (Stripe), like a package purchase.
CARD_METHOD = ("card", "Card (pay now; the budget is available once the payment goes through)")


class FundForm(forms.Form):
    amount = forms.DecimalField(label="Amount", min_value=0, max_digits=12, decimal_places=2)
    method = forms.ChoiceField(
        label="Paid by",
        choices=FUND_METHODS,
        widget=forms.RadioSelect,
        initial="invoice",
    )

    def __init__(self, *args: Any, card: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        method = self.fields["method"]
        if card and isinstance(method, forms.ChoiceField):
            method.choices = [*FUND_METHODS, CARD_METHOD]
