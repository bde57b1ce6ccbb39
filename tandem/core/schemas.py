"""Base classes for the API's schemas."""

from typing import Any

from ninja import Schema
from pydantic import ConfigDict, Field, ValidationInfo, model_validator
from pydantic.functional_validators import ModelWrapValidatorHandler


class InputSchema(Schema):
    """A JSON request body: it must be an object.

    ninja's Schema reads attributes from whatever it is given, so a list, a number or `null`
    would validate as an object with every field missing — for a schema whose fields are all
    optional (a PATCH), that silently answers 200 and does nothing. Refuse it instead.
    """

    # An unknown field is most likely a typo ("time_zone"); answering 200 would hide it.
    model_config = ConfigDict(extra="forbid")

    # A wrap validator defined here runs outside ninja's own (which turns any value into an
    # attribute getter), so it still sees the value as parsed from JSON.
    @model_validator(mode="wrap")
    @classmethod
    def _require_object(
        cls, data: Any, handler: ModelWrapValidatorHandler[Any], info: ValidationInfo
    ) -> Any:
        if not isinstance(data, dict | cls):
            raise ValueError("The request body must be a JSON object.")
        return handler(data)


class ErrorDetailOut(Schema):
    code: str = Field(description="Stable and machine-readable, e.g. `slot_unavailable`.")
    message: str = Field(description="For people; may change between versions.")
    fields: dict[str, list[str]] = Field(
        description="Messages per input field (dotted path, `__all__` for the whole input); "
        "empty when the error is not about one field."
    )


class ErrorOut(Schema):
    """What every 4xx answer of the API carries."""

    error: ErrorDetailOut
