"""Forms of the journal pages. Rules (lengths, tags, moods, prompts) are the services'; these
only carry the input and show the services' errors on the right field."""

from __future__ import annotations

from typing import Any

from django import forms

from ..services.journal import MAX_BODY, MAX_PROMPT

MOODS = [
    ("", "No mood"),
    ("1", "1 — very low"),
    ("2", "2 — low"),
    ("3", "3 — okay"),
    ("4", "4 — good"),
    ("5", "5 — very good"),
]


class EntryForm(forms.Form):
    body = forms.CharField(
        label="Entry",
        max_length=MAX_BODY,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 10, "class": "form-control"}),
    )
    mood = forms.ChoiceField(
        label="Mood",
        choices=MOODS,
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    tags = forms.CharField(
        label="Tags",
        required=False,
        max_length=400,
        help_text="Separate tags with commas, e.g. work, sleep. Up to 10.",
        widget=forms.TextInput(attrs={"class": "form-control", "autocomplete": "off"}),
    )


class NewEntryForm(EntryForm):
    prompt = forms.ChoiceField(
        label="Prompt",
        required=False,
        help_text="Answering a prompt from your coach does not share the entry with them.",
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    idempotency_key = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    field_order = ["prompt", "body", "mood", "tags"]

    def __init__(self, *args: Any, prompts: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        assigned = [
            (str(p.public_id), f"{p.text} ({p.engagement.coach.user})") for p in prompts["assigned"]
        ]
        library = [(p.key, p.text) for p in prompts["library"]]
        choices: list[Any] = [("", "No prompt")]
        if assigned:
            choices.append(("From your coaches", assigned))
        choices.append(("Prompt library", library))
        self.fields["prompt"].choices = choices  # type: ignore[attr-defined]


class PromptForm(forms.Form):
    text = forms.CharField(
        label="New prompt for your client",
        max_length=MAX_PROMPT,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
    )
