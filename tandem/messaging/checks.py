"""`manage.py check` fails on unusable message keys, before any message is written."""

from __future__ import annotations

from typing import Any

from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from tandem.core.crypto import keyring


@checks.register(checks.Tags.security)
def message_keys_check(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    try:
        keyring()
    except ImproperlyConfigured as exc:
        return [checks.Error(str(exc), id="messaging.E001")]
    return []
