from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from tandem.core import timefmt
from tandem.core.errors import ServiceError
from tandem.core.text import clean_text

from . import services


def _validated(validate, value: str) -> str:
    try:
        return validate(value)
    except ServiceError as exc:
        raise ValidationError(exc.message) from exc


class SignupForm(AllauthSignupForm):
    display_name = forms.CharField(
        label="Your name",
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    # Filled in by the browser (Intl API); editable later in settings.
    timezone = forms.CharField(
        max_length=64, required=False, initial="UTC", widget=forms.HiddenInput()
    )

    field_order = ["display_name", "email", "password1", "password2", "timezone"]

    def clean_timezone(self) -> str:
        value = self.cleaned_data.get("timezone") or "UTC"
        try:
            return services.validate_timezone(value)
        except ServiceError:
            # A browser that reports an odd zone should not block sign-up.
            return "UTC"

    def clean_display_name(self) -> str:
        return _validated(
            lambda v: clean_text(v, field="display_name", max_length=100),
            self.cleaned_data.get("display_name", ""),
        )


class ProfileForm(forms.Form):
    display_name = forms.CharField(label="Display name", max_length=100, required=False)
    timezone = forms.CharField(
        label="Time zone",
        max_length=64,
        help_text="An IANA zone such as Europe/Berlin. Times are shown to you in this zone.",
        widget=forms.TextInput(attrs={"list": "tz-options", "autocomplete": "off"}),
    )
    locale = forms.ChoiceField(label="Language", choices=settings.LANGUAGES)
    time_format = forms.ChoiceField(
        label="Time format",
        choices=timefmt.CHOICES,
        required=False,  # left out (an older form): unchanged
        help_text="How times are shown to you on every page and in emails.",
    )


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label="Token name",
        max_length=100,
        help_text="Something to remember it by, such as “calendar sync”.",
    )


class CoachApplicationForm(forms.Form):
    headline = forms.CharField(
        label="Headline",
        max_length=200,
        help_text="One line clients will see, such as “Career coach for engineers”.",
    )
    motivation = forms.CharField(
        label="About your practice",
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    credentials = forms.CharField(
        label="Credentials",
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Training, certifications and memberships, such as “ICF PCC, 2019”.",
    )
    # What the file is (PDF, PNG or JPEG, at most 5 MB) is checked from its bytes by the
    # service; `accept` only narrows the browser's file picker.
    certificate = forms.FileField(
        label="Certificate",
        required=False,
        help_text="A PDF, PNG or JPEG of up to 5 MB. Only staff reviewing your application see it.",
        widget=forms.FileInput(
            attrs={"accept": ".pdf,.png,.jpg,.jpeg,application/pdf,image/png,image/jpeg"}
        ),
    )
