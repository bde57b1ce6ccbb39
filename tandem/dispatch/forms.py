"""Forms of the Book now pages. They parse and render; every rule is the services', whose
errors come back through booking.forms.show_service_error (the API's messages)."""

from __future__ import annotations

from django import forms

from tandem.core.idempotency import MAX_KEY

from . import selectors
from .models import DEFAULT_WITHIN_MINUTES, MAX_WITHIN_MINUTES

FALLBACK_DURATIONS = (30, 60)


def _length(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} minutes"
    text = f"{hours} hour{'s' if hours > 1 else ''}"
    return f"{text} {rest} minutes" if rest else text


class BookNowForm(forms.Form):
    specialty = forms.ChoiceField(label="What would you like to work on?")
    duration_minutes = forms.TypedChoiceField(coerce=int, label="Session length")
    within_minutes = forms.IntegerField(
        label="Start within (minutes)",
        min_value=0,
        max_value=MAX_WITHIN_MINUTES,
        initial=DEFAULT_WITHIN_MINUTES,
        help_text=f"0 to {MAX_WITHIN_MINUTES}. We ask one coach at a time; each has a few "
        "minutes to accept.",
    )
    # A fresh key per form: a double submit or a retried POST makes one request, not two.
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=MAX_KEY)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["specialty"].choices = [  # type: ignore[attr-defined]
            (s.slug, s.name) for s in selectors.specialties()
        ]
        durations = selectors.durations() or list(FALLBACK_DURATIONS)
        self.fields["duration_minutes"].choices = [  # type: ignore[attr-defined]
            (d, _length(d)) for d in durations
        ]
        self.fields["within_minutes"].widget.attrs.update({"inputmode": "numeric"})
