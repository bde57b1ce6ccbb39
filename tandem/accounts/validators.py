from django.core.exceptions import ValidationError

MAX_PASSWORD_LENGTH = 512


class MaximumLengthValidator:
    """Refuse absurdly long passwords: they only cost hashing time (a cheap denial of service)."""

    def validate(self, password: str, user: object = None) -> None:
        if len(password) > MAX_PASSWORD_LENGTH:
            raise ValidationError(
                f"Your password may be at most {MAX_PASSWORD_LENGTH} characters.",
                code="password_too_long",
            )

    def get_help_text(self) -> str:
        return f"Your password may be at most {MAX_PASSWORD_LENGTH} characters."
