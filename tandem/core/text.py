"""Text input rules shared by services: PostgreSQL rejects NUL, and nothing needs huge strings."""

from .errors import InvalidInput


def clean_text(value: str, *, field: str, max_length: int, required: bool = False) -> str:
    if "\x00" in value:
        raise InvalidInput(
            "Text may not contain NUL characters.",
            fields={field: ["Text may not contain NUL characters."]},
        )
    value = value.strip()
    if len(value) > max_length:
        raise InvalidInput(
            f"At most {max_length} characters.",
            fields={field: [f"Ensure this value has at most {max_length} characters."]},
        )
    if required and not value:
        raise InvalidInput("This field is required.", fields={field: ["This field is required."]})
    return value
