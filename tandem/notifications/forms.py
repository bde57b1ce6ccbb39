"""Forms of the notification settings pages.

They parse (types, times, the lead-time text) and render; the rules (which kinds and
channels exist, quiet hours need both ends, lead times 1 minute to 30 days, at most 10) are
the services'. Their errors come back through `show_service_error`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django import forms

from tandem.core.errors import ServiceError

from .kinds import CHANNEL_LABELS, CHANNELS, KINDS
from .services.preferences import PreferenceTable

# --- Preferences ---------------------------------------------------------------------------


def cell_name(kind: str, channel: str) -> str:
    return f"{kind}__{channel}"


@dataclass(frozen=True, slots=True)
class Row:
    """One kind of the preference table with its checkboxes, one per channel."""

    code: str
    label: str
    urgent: bool
    cells: list[tuple[str, forms.BoundField]]  # (channel label, checkbox)


class PreferencesForm(forms.Form):
    """Every kind and channel as a checkbox, quiet hours, the digest and the alert sound."""

    quiet_start = forms.TimeField(
        label="From",
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    quiet_end = forms.TimeField(
        label="Until",
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    digest = forms.BooleanField(
        label="Send non-urgent emails once a day, in one digest", required=False
    )
    digest_hour = forms.TypedChoiceField(
        label="Digest time",
        help_text="The digest is sent at this hour, in your time zone.",
        coerce=int,
        choices=[(hour, f"{hour:02d}:00") for hour in range(24)],
    )
    sound = forms.BooleanField(
        label="Play a short sound with urgent alerts (reminders, Book now)",
        required=False,
        help_text="On the pages you have open in Tandem; your browser may ask you to click a "
        "page once before it plays sound.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for code, kind in KINDS.items():
            for channel in CHANNELS:
                self.fields[cell_name(code, channel)] = forms.BooleanField(
                    label=f"{kind.label}: {CHANNEL_LABELS[channel]}",
                    required=False,
                    widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
                )

    def rows(self) -> list[Row]:
        return [
            Row(
                code,
                kind.label,
                kind.urgent,
                [(CHANNEL_LABELS[ch], self[cell_name(code, ch)]) for ch in CHANNELS],
            )
            for code, kind in KINDS.items()
        ]

    def enabled(self) -> dict[str, dict[str, bool]]:
        """The whole table as the service takes it (call after is_valid)."""
        return {
            code: {ch: self.cleaned_data[cell_name(code, ch)] for ch in CHANNELS} for code in KINDS
        }

    @staticmethod
    def initial_from(table: PreferenceTable) -> dict[str, Any]:
        """Initial values from services.preferences_get's PreferenceTable."""
        s = table.settings
        initial: dict[str, Any] = {
            "quiet_start": s.quiet_start,
            "quiet_end": s.quiet_end,
            "digest": s.digest,
            "digest_hour": s.digest_hour,
            "sound": s.sound,
        }
        for code, channels in table.enabled.items():
            for channel, on in channels.items():
                initial[cell_name(code, channel)] = on
        return initial


def show_preferences_error(form: PreferencesForm, error: ServiceError) -> None:
    """The service's field names (`quiet_hours`, `enabled.<kind>.<channel>`) on the form."""
    for field, messages in (error.fields or {None: [error.message]}).items():
        target: str | None = field if field in form.fields else None
        if field == "quiet_hours":
            # "Give both": the empty one is the one to fix.
            missing_start = form.cleaned_data.get("quiet_start") is None
            target = "quiet_start" if missing_start else "quiet_end"
        elif field and field.startswith("enabled."):
            parts = field.split(".")
            name = cell_name(*parts[1:3]) if len(parts) == 3 else ""
            target = name if name in form.fields else None
        for message in messages:
            form.add_error(target, message)


# --- Reminder lead times --------------------------------------------------------------------

LADDER = (300, 240, 180, 120, 60)  # 5, 4, 3, 2, 1 hours before
UNITS = {
    "m": 1,
    "min": 1,
    "mins": 1,
    "minute": 1,
    "minutes": 1,
    "h": 60,
    "hr": 60,
    "hrs": 60,
    "hour": 60,
    "hours": 60,
    "d": 1440,
    "day": 1440,
    "days": 1440,
}
_PART = re.compile(r"(\d{1,6}(?:\.\d{1,2})?)\s*([a-z]+)")


def parse_lead_times(text: str) -> list[int]:
    """ "24 h, 1 h 30 min, 90m" → [1440, 90, 90] minutes. Only the shape is checked here;
    ranges, count and repeats are schedule_set's."""
    result = []
    for item in filter(None, (part.strip() for part in text.lower().split(","))):
        position, minutes = 0, 0.0
        for match in _PART.finditer(item):
            if item[position : match.start()].strip() or match.group(2) not in UNITS:
                raise forms.ValidationError(f"“{item}” is not a lead time, e.g. “3 h” or “30 min”.")
            minutes += float(match.group(1)) * UNITS[match.group(2)]
            position = match.end()
        if position == 0 or item[position:].strip():
            raise forms.ValidationError(f"“{item}” is not a lead time, e.g. “3 h” or “30 min”.")
        if minutes != int(minutes):
            raise forms.ValidationError(f"“{item}” is not a whole number of minutes.")
        result.append(int(minutes))
    return result


def format_lead_time(minutes: int) -> str:
    if minutes % 1440 == 0 and minutes >= 2880:
        return f"{minutes // 1440} days"
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return f"{hours} h {rest} min"
    return f"{hours} h" if hours else f"{rest} min"


def describe(offsets: tuple[int, ...] | list[int]) -> str:
    """[1440, 60] → "24 h and 1 h before"."""
    if not offsets:
        return "no reminders"
    parts = [format_lead_time(m) for m in sorted(offsets, reverse=True)]
    listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return f"{listed} before"


DEFAULT, LADDER_CHOICE, NONE, CUSTOM = "default", "ladder", "none", "custom"


class RemindersForm(forms.Form):
    """A preset or custom lead times for each side; `offsets(side)` is what schedule_set
    takes (None: the platform default)."""

    SIDES = ("coach", "client")

    def __init__(self, *args: Any, defaults: dict[str, tuple[int, ...]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for side in self.SIDES:
            self.fields[f"{side}_choice"] = forms.ChoiceField(
                label="You are reminded" if side == "coach" else "Your clients are reminded",
                widget=forms.RadioSelect,
                choices=[
                    (DEFAULT, f"Default: {describe(defaults[side])}"),
                    (LADDER_CHOICE, "Ladder: 5, 4, 3, 2, 1 hours before"),
                    (NONE, "No reminders"),
                    (CUSTOM, "My own lead times"),
                ],
            )
            self.fields[f"{side}_custom"] = forms.CharField(
                label="Own lead times" if side == "coach" else "Clients' own lead times",
                required=False,
                max_length=200,
                help_text="Separated by commas, e.g. “24 h, 2 h, 15 min”. At most 10.",
            )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data  # what Form.clean returns (typed as maybe None)
        for side in self.SIDES:
            if data.get(f"{side}_choice") != CUSTOM:
                continue
            text = data.get(f"{side}_custom") or ""
            try:
                data[f"{side}_minutes"] = parse_lead_times(text)
            except forms.ValidationError as exc:
                self.add_error(f"{side}_custom", exc)
                continue
            if not data[f"{side}_minutes"]:
                self.add_error(
                    f"{side}_custom", "Enter at least one lead time, or choose “No reminders”."
                )
        return data

    def offsets(self, side: str) -> list[int] | None:
        choice = self.cleaned_data[f"{side}_choice"]
        if choice == DEFAULT:
            return None
        if choice == LADDER_CHOICE:
            return list(LADDER)
        if choice == NONE:
            return []
        return self.cleaned_data[f"{side}_minutes"]

    @staticmethod
    def initial_from(coach_side: list[int] | None, client_side: list[int] | None) -> dict:
        initial: dict[str, str] = {}
        for side, offsets in (("coach", coach_side), ("client", client_side)):
            if offsets is None:
                choice = DEFAULT
            elif not offsets:
                choice = NONE
            elif sorted(offsets, reverse=True) == list(LADDER):
                choice = LADDER_CHOICE
            else:
                choice = CUSTOM
                initial[f"{side}_custom"] = ", ".join(
                    format_lead_time(m) for m in sorted(offsets, reverse=True)
                )
            initial[f"{side}_choice"] = choice
        return initial


def show_reminders_error(form: RemindersForm, error: ServiceError) -> None:
    """schedule_set names `coach_offsets` / `client_offsets`: shown at the side's own times
    (or its choice, when a preset was refused)."""
    for field, messages in (error.fields or {None: [error.message]}).items():
        target = None
        if field in ("coach_offsets", "client_offsets"):
            side = field.split("_")[0]
            custom = form.cleaned_data.get(f"{side}_choice") == CUSTOM
            target = f"{side}_custom" if custom else f"{side}_choice"
        for message in messages:
            form.add_error(target, message)
