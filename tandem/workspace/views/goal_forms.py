"""Forms of the goal pages. They parse and render; the rules are the services' (their errors
come back on the fields through booking.forms.show_service_error, the API's messages)."""

from __future__ import annotations

from typing import Any

from django import forms

from ..models import Goal
from ..services.goals import MAX_TEXT, MAX_TITLE

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class GoalForm(forms.Form):
    title = forms.CharField(label="Goal", max_length=MAX_TITLE, strip=False)
    why = forms.CharField(
        label="Why it matters",
        required=False,
        max_length=MAX_TEXT,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    measure = forms.CharField(
        label="How success is measured",
        required=False,
        max_length=MAX_TEXT,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    target_date = forms.DateField(label="Target date", required=False, widget=DATE)
    status = forms.ChoiceField(label="Status", choices=Goal.Status.choices)

    def __init__(self, *args: Any, with_status: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not with_status:
            del self.fields["status"]


class MilestoneForm(forms.Form):
    title = forms.CharField(label="Milestone", max_length=MAX_TITLE, strip=False)
    due_date = forms.DateField(label="Due date", required=False, widget=DATE)


class CheckInForm(forms.Form):
    progress = forms.IntegerField(
        label="Progress (%)",
        min_value=0,
        max_value=100,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "step": 1}),
        help_text="0 to 100. With milestones, the goal's progress follows them; your "
        "check-in is kept and charted.",
    )
    note = forms.CharField(
        label="Note",
        required=False,
        max_length=MAX_TEXT,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
