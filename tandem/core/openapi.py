"""The API's OpenAPI document: the error shape and each operation's 4xx answers, in one place.

Every 4xx the API gives is `{"error": {"code", "message", "fields"}}` (see `api_errors.py`).
Most of an operation's 4xx follow from its shape, so they are added here rather than in each
decorator:

- 400 when it takes parameters or a body (validation, malformed JSON, a service's `invalid`);
- 401 when it needs a signed-in user;
- 403 when it needs one and changes something (the browser session's CSRF check);
- 404 when its path names something (missing and other users' things answer the same), or is
  staff's (`/staff/...`: others are told it does not exist);
- 413 when it takes a body (the request-size cap);
- 405 when a fixed path takes the place of one of its ids (`GET /gift-cards/check` is the
  balance check's path, which takes only POST), as URL routing tries fixed paths first.

The rest (409 conflicts, 402, 429, 404 for a coach's own things asked by someone who is not a
coach, ...) come from what the operation's service may raise, which the document cannot see:
they are listed per operation where the API is assembled (`tandem/api.py`), grouped by cause.
The contract test (tandem/core/tests/test_api_contract.py) fails on any status not documented.
"""

from collections.abc import Iterable, Mapping
from typing import Any

from ninja import NinjaAPI
from ninja.openapi.schema import REF_TEMPLATE, OpenAPISchema
from ninja.schema import NinjaGenerateJsonSchema

from .schemas import ErrorOut

ERROR_COMPONENT = "ErrorOut"

ERROR_DESCRIPTIONS: dict[int, str] = {
    400: "The input is not valid (`invalid`, with `fields`), the body is not JSON "
    "(`malformed_json`), or the service refused it (its own code).",
    401: "Not signed in: send the session cookie or `Authorization: Bearer <token>` "
    "(`unauthenticated`).",
    402: "Payment is needed first (`payment_required`).",
    403: "Not allowed (`forbidden`), or the browser session's CSRF check failed.",
    404: "Not found, or not yours: other users' things answer the same (`not_found`).",
    409: "Conflicts with the current state, e.g. the time was taken or an `Idempotency-Key` "
    "was reused with another body (`conflict` or a more specific code).",
    405: "A fixed path took the place of this id and does not take this method "
    "(`method_not_allowed`).",
    413: "The request body is too large (`too_large`).",
    429: "Too many attempts; wait a little and try again (`rate_limited`).",
}

_UNSAFE_METHODS = frozenset({"post", "put", "patch", "delete"})


def inferred_error_statuses(method: str, path: str, operation: Mapping[str, Any]) -> set[int]:
    """The 4xx an operation can give because of its shape (see the module's docstring)."""
    statuses: set[int] = set()
    has_body = "requestBody" in operation
    if operation.get("parameters") or has_body:
        statuses.add(400)
    if operation.get("security"):
        statuses.add(401)
        if method in _UNSAFE_METHODS:
            statuses.add(403)
    if "{" in path or path.startswith("/staff/"):
        statuses.add(404)
    if has_body:
        statuses.add(413)
    return statuses


def _shadowed_by(path: str, other: str) -> bool:
    """`other` is `path` with a fixed word where `path` has an id, so routing picks `other`."""
    ours, theirs = path.split("/"), other.split("/")
    if path == other or len(ours) != len(theirs):
        return False
    return all(
        a == b or (a.startswith("{") and not b.startswith("{"))
        for a, b in zip(ours, theirs, strict=True)
    )


def operation_errors(*groups: tuple[Iterable[int], Iterable[str]]) -> dict[str, tuple[int, ...]]:
    """Merge `(codes, ["METHOD /path", ...])` groups into one table for `TandemAPI(errors=...)`."""
    table: dict[str, set[int]] = {}
    for codes, keys in groups:
        for key in keys:
            table.setdefault(key, set()).update(codes)
    return {key: tuple(sorted(codes)) for key, codes in table.items()}


def document_errors(
    schema: dict[str, Any], *, prefix: str, extra: Mapping[str, Iterable[int]]
) -> None:
    """Add the error component and each operation's 4xx responses to `schema` in place.

    `prefix` is the API's root ("/api/v1/"); keys of `extra` are "METHOD /path" below it.
    An operation that documents a 4xx itself keeps its own.
    """
    error_schema = ErrorOut.model_json_schema(
        ref_template=REF_TEMPLATE, schema_generator=NinjaGenerateJsonSchema, mode="serialization"
    )
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.update(error_schema.pop("$defs", {}))
    components[ERROR_COMPONENT] = error_schema
    ref = {"$ref": REF_TEMPLATE.format(model=ERROR_COMPONENT)}
    paths = schema["paths"]
    for full_path, methods in paths.items():
        path = "/" + full_path.removeprefix(prefix).lstrip("/")
        for method, operation in methods.items():
            statuses = inferred_error_statuses(method, path, operation)
            if any(
                _shadowed_by(full_path, other) and method not in paths[other] for other in paths
            ):
                statuses.add(405)
            statuses.update(extra.get(f"{method.upper()} {path}", ()))
            responses = operation["responses"]
            for status in sorted(statuses):
                responses.setdefault(
                    status,
                    {
                        "description": ERROR_DESCRIPTIONS[status],
                        "content": {"application/json": {"schema": ref}},
                    },
                )


class TandemAPI(NinjaAPI):
    """NinjaAPI whose OpenAPI document says how each operation can fail."""

    def __init__(
        self, *args: Any, errors: Mapping[str, Iterable[int]] | None = None, **kwargs: Any
    ):
        super().__init__(*args, **kwargs)
        self.operation_errors: dict[str, tuple[int, ...]] = {
            key: tuple(codes) for key, codes in (errors or {}).items()
        }

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        document_errors(schema, prefix=path_prefix, extra=self.operation_errors)
        return schema
