"""Forms of the coach's own pages and the staff review queue.

They parse (types, lengths, NUL) and render; the rules (ranges, slugs, currencies, what a
session type may be) are the services'. Their errors come back through add_service_error.
"""

from django import forms

from tandem.core.money import SUPPORTED_CURRENCIES

from .models import SessionType


def _number(*, label: str, help_text: str = "", required: bool = True, **attrs: object):
    # Bounds are the service's rule; min/max here only shape the browser's spinner.
    return forms.IntegerField(
        label=label,
        help_text=help_text,
        required=required,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", **attrs}),
    )


class CoachProfileForm(forms.Form):
    headline = forms.CharField(
        label="Headline",
        max_length=200,
        help_text="One line clients see first, such as “Career coach for engineers”.",
    )
    bio = forms.CharField(
        label="About you",
        max_length=10_000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="How you work and who you help. Plain text.",
    )
    specialties = forms.MultipleChoiceField(
        label="Specialties",
        required=False,
        widget=forms.CheckboxSelectMultiple(),
    )
    languages = forms.MultipleChoiceField(
        label="Languages you coach in",
        required=False,
        widget=forms.CheckboxSelectMultiple(),
    )
    credentials = forms.CharField(
        label="Credentials",
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Qualifications and certifications clients should know about.",
    )
    years_experience = _number(label="Years of experience", min=0, max=80)
    timezone = forms.CharField(
        label="Time zone",
        max_length=64,
        help_text="Your weekly hours are set in this zone; clients see them in their own.",
        widget=forms.TextInput(attrs={"list": "tz-options", "autocomplete": "off"}),
    )
    currency = forms.ChoiceField(
        label="Currency",
        choices=[(code, f"{code} — {name}") for code, name in SUPPORTED_CURRENCIES.items()],
        help_text="All your prices are in this currency. Changing it re-labels them "
        "(amounts are not converted).",
    )
    slug = forms.CharField(
        label="Page address",
        max_length=60,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def __init__(self, *args, specialties=(), languages=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["specialties"].choices = [(s.slug, s.name) for s in specialties]
        self.fields["languages"].choices = [(lang.code, lang.name) for lang in languages]


class PolicyForm(forms.Form):
    """The coach's booking policy (coaches.services.coach_profile_update checks 0..720)."""

    cancel_free_hours = _number(
        label="Free cancellation until (hours before)",
        help_text="Clients can cancel free of charge until this many hours before a session; "
        "later is a late cancellation. 0 allows free cancellation until the start; "
        "at most 720 (30 days).",
        min=0,
        max=720,
    )
    reschedule_min_hours = _number(
        label="Rescheduling until (hours before)",
        help_text="Clients can move a session until this many hours before it starts "
        "(you can move it until it starts). At most 720 (30 days).",
        min=0,
        max=720,
    )
    late_fee_percent = _number(
        label="Late cancellation fee (% of the price)",
        help_text="What you keep when a client cancels late or does not show; the rest is "
        "refunded to them. 0 to 100.",
        required=False,
        min=0,
        max=100,
    )


class PhotoForm(forms.Form):
    photo = forms.FileField(
        label="New photo",
        help_text="JPEG, PNG or WebP, at most 5 MB. Location and camera data are removed.",
        widget=forms.FileInput(
            attrs={"accept": "image/jpeg,image/png,image/webp", "data-photo-input": ""}
        ),
    )


class SessionTypeForm(forms.Form):
    name = forms.CharField(label="Name", max_length=120)
    description = forms.CharField(
        label="Description",
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What happens in the session. Clients read this before booking.",
    )
    duration_minutes = _number(label="Length (minutes)", min=5, max=1440, step=5)
    price = forms.DecimalField(
        label="Price",
        min_value=0,
        max_digits=10,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "min": 0, "step": "0.01"}),
    )
    buffer_before_minutes = _number(
        label="Buffer before (minutes)",
        help_text="Free time kept before each session.",
        min=0,
        max=720,
    )
    buffer_after_minutes = _number(
        label="Buffer after (minutes)",
        help_text="Free time kept after each session.",
        min=0,
        max=720,
    )
    min_notice_minutes = _number(
        label="Minimum notice (minutes)",
        help_text="How long before its start a session can still be booked (720 = 12 hours).",
        min=0,
    )
    booking_window_days = _number(
        label="Booking window (days)",
        help_text="How far ahead clients can book.",
        min=1,
        max=366,
    )
    slot_step_minutes = _number(
        label="Start times every (minutes)",
        help_text="30 offers 9:00, 9:30, 10:00…",
        min=5,
        max=1440,
        step=5,
    )
    daily_cap = _number(
        label="At most per day",
        required=False,
        help_text="Sessions of this type per day. Leave empty for no limit.",
        min=0,
    )
    weekly_cap = _number(
        label="At most per week",
        required=False,
        help_text="Sessions of this type per week (Monday to Sunday). Leave empty for no limit.",
        min=0,
    )
    requires_confirmation = forms.BooleanField(
        label="I confirm each booking before it is final", required=False
    )
    location_kind = forms.ChoiceField(
        label="Where it happens",
        choices=SessionType.Location.choices,
        widget=forms.RadioSelect(),
    )
    location_detail = forms.CharField(
        label="Location details",
        max_length=300,
        required=False,
        help_text="For in-person sessions, the address. For video calls, optional instructions.",
    )
    is_active = forms.BooleanField(label="Clients can book this session type", required=False)

    def service_values(self) -> dict:
        values = dict(self.cleaned_data)
        # A form's empty string for an optional text is the service's "".
        values["description"] = values["description"] or ""
        values["location_detail"] = values["location_detail"] or ""
        return values


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("reject", "Reject")])
    # Required for a rejection: the service says so (the applicant reads the reason).
    reason = forms.CharField(
        label="Reason for the applicant",
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
