"""The OpenAPI document at /api/v1/openapi.json says what each operation really answers.

ninja puts every schema class under its bare class name in `components/schemas`; two classes of
the same name (say `PaymentOut` in two modules) silently overwrite each other, and operations
then document another model's fields.
"""

from __future__ import annotations

import enum
import typing
from collections import defaultdict
from typing import Any

import pytest
from django.test import Client
from ninja.constants import NOT_SET
from ninja.openapi.schema import REF_TEMPLATE
from ninja.schema import NinjaGenerateJsonSchema
from pydantic import BaseModel

from tandem.api import api
from tandem.core.openapi import ERROR_COMPONENT
from tandem.core.schemas import ErrorDetailOut


def operations() -> list[Any]:
    """Every operation in the document (ninja's routers, as mounted on the API)."""
    api.get_openapi_schema()  # mounts the routers given by dotted path
    return [
        operation
        for _prefix, router in api._routers
        for path_view in router.path_operations.values()
        for operation in path_view.operations
        if operation.include_in_schema
    ]


def generated(operation: Any) -> list[tuple[type[BaseModel], str]]:
    """The models ninja turns into JSON schemas for this operation, with the mode it uses."""
    models = [(model, "validation") for model in operation.models]
    models += [
        (model, "serialization")
        for model in operation.response_models.values()
        if model not in (None, NOT_SET)
    ]
    return models


def _walk(annotation: Any, found: set[type]) -> None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation not in found:
            found.add(annotation)
            for field in annotation.model_fields.values():
                _walk(field.annotation, found)
        return
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        found.add(annotation)
        return
    for argument in typing.get_args(annotation):
        _walk(argument, found)


def test_no_two_schema_classes_share_a_component_name():
    classes: set[type] = set()
    for operation in operations():
        for model, _mode in generated(operation):
            _walk(model, classes)
    by_name: dict[str, set[str]] = defaultdict(set)
    for cls in classes:
        if getattr(cls, "__ninja_param_source__", None):
            continue  # ninja's per-operation parameter wrappers; never a component
        by_name[cls.__name__].add(f"{cls.__module__}.{cls.__qualname__}")
    clashes = {name: sorted(paths) for name, paths in by_name.items() if len(paths) > 1}
    assert not clashes, clashes


def test_every_component_is_the_one_its_operations_generate():
    """Catches any overwrite in the merged document (a name clash, or a model whose input and
    output schemas differ), whatever its cause."""
    components = api.get_openapi_schema()["components"]["schemas"]
    wrong = defaultdict(set)
    for operation in operations():
        for model, mode in generated(operation):
            schema = model.model_json_schema(
                ref_template=REF_TEMPLATE, schema_generator=NinjaGenerateJsonSchema, mode=mode
            )
            for name, definition in schema.get("$defs", {}).items():
                if components.get(name) != definition:
                    wrong[name].add(operation.view_func.__qualname__)
    assert not wrong, dict(wrong)


def _resolve(document: dict, schema: dict) -> dict:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _fields(document: dict, path: str, method: str, status: str = "200") -> set[str]:
    response = document["paths"][path][method]["responses"][status]
    return set(_resolve(document, response["content"]["application/json"]["schema"])["properties"])


@pytest.mark.django_db
def test_the_three_operations_that_borrowed_fields_document_their_own():
    document = Client().get("/api/v1/openapi.json").json()

    unread = _fields(document, "/api/v1/conversations/unread", "get")
    assert unread == {"total", "conversations", "unmuted"}  # not notifications' {"unread"}

    payments = _resolve(
        document, document["components"]["schemas"]["PaymentListOut"]["properties"]["items"]
    )
    assert _fields(document, "/api/v1/me/payments", "get") >= {"items", "next_cursor"}
    item = _resolve(document, payments["items"])
    # The payment history's rows, not checkout's payment (client_secret, sources, ...).
    assert {"description", "amount_minor", "document"} <= set(item["properties"])
    assert "client_secret" not in item["properties"]
    refund = _resolve(document, item["properties"]["refunds"]["items"])
    assert "amount_minor" in refund["properties"] and "kept" not in refund["properties"]

    for status in ("200", "201"):
        gift = _fields(document, "/api/v1/gift-cards", "post", status)
        # A gift card purchase (with its code shown once), not a package purchase.
        assert {"full_code", "payment", "balance"} <= gift
        assert "credits_available" not in gift


def test_the_error_shape_is_a_component_and_every_4xx_uses_it():
    document = api.get_openapi_schema()
    components = document["components"]["schemas"]
    error = components[ERROR_COMPONENT]
    assert error["required"] == ["error"]
    detail = _resolve(document, error["properties"]["error"])
    assert set(detail["properties"]) == set(ErrorDetailOut.model_fields)
    assert set(ErrorDetailOut.model_fields) == {"code", "message", "fields"}
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            errors = {int(s): r for s, r in operation["responses"].items() if 400 <= int(s) < 500}
            for status, response in errors.items():
                schema = response["content"]["application/json"]["schema"]
                assert schema == {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}, (
                    method,
                    path,
                    status,
                )


def test_each_operation_lists_the_4xx_its_shape_implies():
    document = api.get_openapi_schema()
    paths = document["paths"]

    def statuses(path: str, method: str) -> set[int]:
        return {int(s) for s in paths[f"/api/v1{path}"][method]["responses"] if int(s) >= 400}

    # A public read without parameters cannot fail.
    assert statuses("/coaches/specialties", "get") == set()
    # Signed in, no parameters: only 401.
    assert statuses("/me", "get") == {401}
    # A body (validation, size) on a signed-in write (CSRF) naming a booking.
    assert statuses("/bookings/{booking_id}/cancel", "post") >= {400, 401, 403, 404, 413, 409}
    # Staff's: others are told it does not exist.
    assert 404 in statuses("/staff/payouts", "get")
    assert statuses("/bookings", "post") >= {402, 409}
    assert 429 in statuses("/gift-cards/check", "post")
    # GET /gift-cards/check is routed to the balance check (POST only): 405, not a card.
    assert 405 in statuses("/gift-cards/{card_id}", "get")
    assert 405 not in statuses("/gift-cards/{card_id}/transfer", "post")


def test_the_table_of_operation_errors_names_only_real_operations():
    document = api.get_openapi_schema()
    real = {
        f"{method.upper()} {path.removeprefix('/api/v1')}"
        for path, methods in document["paths"].items()
        for method in methods
    }
    assert set(api.operation_errors) - real == set()
