from django import forms

from .errors import ServiceError


def add_service_error(form: forms.Form, error: ServiceError) -> None:
    """Show a service's error on the form: the same message the API would give."""
    if not error.fields:
        form.add_error(None, error.message)
        return
    for field, messages in error.fields.items():
        target = field if field in form.fields else None
        for message in messages:
            form.add_error(target, message)
