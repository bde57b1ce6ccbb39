"""Forms of the booking pages. They parse (types, lengths) and render; every rule (is the time
free, is a reason needed, is it too late) is the services', whose errors come back through
core.forms.add_service_error."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.core.validators import MaxLengthValidator

from tandem.core.errors import ServiceError
from tandem.core.idempotency import MAX_KEY

from .page_queries import parse_start
from .services import payments_hook
from .services.create import MAX_NOTES
from .services.policy import CANCEL_REASONS

MAX_MESSAGE = 2000


def show_service_error(form: forms.Form, error: ServiceError) -> None:
    """A service error on the form: on the field it names when the form shows that field.

    Booking services name fields with codes ("required", "unchanged") rather than sentences,
    so the error's message (the same one the API sends) is what people read.
    """
    targets = [
        name
        for name in error.fields
        if name in form.fields and not form.fields[name].widget.is_hidden
    ]
    if not targets:
        form.add_error(None, error.message)
    for name in targets:
        form.add_error(name, error.message)


class StartField(forms.CharField):
    """An instant as the slot buttons send it: ISO 8601 with its UTC offset."""

    def __init__(self, **kwargs: object) -> None:
        kwargs.setdefault("widget", forms.HiddenInput)
        super().__init__(max_length=40, **kwargs)  # type: ignore[arg-type]

    def clean(self, value: object) -> datetime | None:
        text = super().clean(value)
        if not text:
            return None
        start = parse_start(text)
        if start is None:
            raise forms.ValidationError("Choose one of the times shown.", code="invalid")
        return start


class HoldForm(forms.Form):
    """A slot button of the wizard: which session type and when."""

    session_type = forms.UUIDField(
        widget=forms.HiddenInput, error_messages={"required": "Choose a session."}
    )
    start = StartField(error_messages={"required": "Choose one of the times shown."})


class ConfirmForm(forms.Form):
    notes = forms.CharField(
        label="Notes for your coach",
        required=False,
        max_length=MAX_NOTES,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What you would like to work on, or anything they should know beforehand.",
    )
    # Made once when the review page is shown: sending the form twice (a double click, a
    # reload, a retry after a lost answer) books once.
    idempotency_key = forms.CharField(max_length=MAX_KEY, widget=forms.HiddenInput)
    # How to pay (priced sessions). The view drops the options that do not apply to the
    # client and relabels them with what they hold ("3 left, expires ...", "12.00 EUR").
    # The client's sponsor (an organisation's programme) pays when it covers the session;
    # the client may choose to pay the usual way instead.
    use_sponsor = forms.BooleanField(label="Use my sponsor's cover", required=False)
    use_package = forms.BooleanField(label="Use a package credit", required=False)
    # Its longest code is payments' rule, set per form from the payments port (__init__).
    gift_card_code = forms.CharField(
        label="Gift card code",
        required=False,
        strip=True,
        help_text="Its balance pays (part of) the price.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    use_credit = forms.BooleanField(label="Use my account credit", required=False)

    PAYMENT_FIELDS = ("use_sponsor", "use_package", "gift_card_code", "use_credit")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        code = self.fields["gift_card_code"]
        assert isinstance(code, forms.CharField)
        code.max_length = payments_hook.port().gift_card_code_max_length()
        code.validators.append(MaxLengthValidator(code.max_length))
        code.widget.attrs.update(code.widget_attrs(code.widget))  # maxlength="..."

    def pay_choices(self) -> payments_hook.PayChoices:
        """The payment options as the form was sent (the same body gives the same options,
        so a repeated submit replays rather than conflicts)."""
        data = self.cleaned_data
        return payments_hook.PayChoices(
            package=bool(data.get("use_package")),
            gift_card_code=data.get("gift_card_code") or None,
            use_credit=bool(data.get("use_credit")),
            # Not offered (no sponsor covers it): nothing to switch off.
            sponsored=bool(data.get("use_sponsor")) if "use_sponsor" in self.fields else True,
            sponsor_only="use_sponsor" in self.fields and bool(data.get("use_sponsor")),
        )


class RescheduleForm(forms.Form):
    start = StartField(error_messages={"required": "Choose a new time."})
    reason = forms.CharField(
        label="Reason",
        required=False,
        max_length=MAX_MESSAGE,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Shared with the other participant.",
    )


class CancelForm(forms.Form):
    reason_code = forms.ChoiceField(
        label="Reason",
        choices=[("", "Choose a reason…"), *CANCEL_REASONS.items()],
        widget=forms.Select(attrs={"class": "form-select"}),
        error_messages={"required": "Choose a reason."},
    )
    message = forms.CharField(
        label="Message",
        required=False,
        max_length=MAX_MESSAGE,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Shared with the other participant. Needed when the reason is “Other”.",
    )


class DeclineForm(forms.Form):
    message = forms.CharField(
        label="Message to the client",
        required=False,
        max_length=MAX_MESSAGE,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
