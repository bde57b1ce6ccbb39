"""A local stand-in for the few Stripe API endpoints Tandem uses.

Stripe's servers cannot be reached from this environment, so the tests run the real `stripe`
library against this real HTTP server (stdlib `ThreadingHTTPServer` on 127.0.0.1, a free port).
It speaks enough of Stripe's API for our calls, the way Stripe does:

- form-encoded request bodies with nested keys (`metadata[booking]=...`), as the library sends;
- `Authorization: Bearer sk_test_...` checked (401 with Stripe's error shape otherwise);
- Stripe-shaped JSON objects: `pi_...`, `re_...`, `tr_...`, `ch_...`, `evt_...` ids, `object`,
  `amount`, `currency`, `status`, `client_secret`, `metadata`, `latest_charge`, ...;
- `Idempotency-Key` exactly like Stripe: the same key with the same parameters (and endpoint)
  replays the first answer (`Idempotent-Replayed: true`); the same key with other parameters
  answers 400 `idempotency_error`; keys are per API key; a request that failed validation
  saves nothing;
- 404 `resource_missing` for unknown ids, 400 `invalid_request_error` for bad parameters.

Endpoints: POST /v1/payment_intents, GET /v1/payment_intents/{id},
POST /v1/payment_intents/{id}/cancel, POST /v1/refunds, GET /v1/refunds/{id},
POST /v1/transfers, GET /v1/transfers/{id}.

Test helpers: `confirm(pi_id, succeed=...)` plays the client paying (or being declined),
`process(pi_id)` puts an intent in `processing`, `event(type, obj)` makes a webhook delivery
signed exactly as Stripe signs it (`Stripe-Signature: t=<unix>,v1=<HMAC-SHA256 of "t.payload">`),
and `created` counts the objects made (so a test can assert "one charge").
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import threading
import time
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

SECRET_KEY = "sk_test_tandem_standin_0123456789"
WEBHOOK_SECRET = "whsec_tandem_standin_0123456789"
API_VERSION = "2025-01-01.standin"

_PREFIX = {
    "payment_intent": "pi",
    "refund": "re",
    "transfer": "tr",
    "charge": "ch",
    "event": "evt",
}
_OBJECT_PATHS = {"payment_intents": "payment_intent", "refunds": "refund", "transfers": "transfer"}
_INT_PARAMS = {"amount"}


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
        saved: bool = False,  # the endpoint began executing: an idempotent replay repeats it
    ) -> None:
        super().__init__(message)
        self.status = status
        self.saved = saved
        self.body: dict[str, Any] = {"error": {"type": type, "message": message}}
        if code:
            self.body["error"]["code"] = code
        if param:
            self.body["error"]["param"] = param


@dataclass(frozen=True)
class Delivery:
    """One webhook delivery: the raw body and the `Stripe-Signature` header Stripe would send."""

    event_id: str
    payload: bytes
    signature: str

    @property
    def headers(self) -> dict[str, str]:
        return {"HTTP_STRIPE_SIGNATURE": self.signature}


@dataclass
class _Saved:
    method: str
    path: str
    params: dict[str, Any]
    status: int
    body: bytes


def decode_form(body: str) -> dict[str, Any]:
    """Stripe's form encoding back into nested values: a[b]=1 -> {"a": {"b": "1"}},
    a[0]=x -> {"a": ["x"]}."""
    out: dict[str, Any] = {}
    for raw_key, value in parse_qsl(body, keep_blank_values=True, strict_parsing=False):
        parts = re.findall(r"[^\[\]]+", raw_key)
        if not parts:
            continue
        node: dict[str, Any] = out
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return _lists(out)


def _lists(node: Any) -> Any:
    if isinstance(node, dict):
        node = {k: _lists(v) for k, v in node.items()}
        if node and all(k.isdigit() for k in node):
            return [node[k] for k in sorted(node, key=int)]
    return node


class StripeStandin:
    """The stand-in server and its state. Use as a context manager or start()/stop()."""

    def __init__(self, *, secret_key: str = SECRET_KEY, webhook_secret: str = WEBHOOK_SECRET):
        self.secret_key = secret_key
        self.webhook_secret = webhook_secret
        self.objects: dict[str, dict[str, Any]] = {}
        self.created: Counter[str] = Counter()
        self.requests: list[dict[str, Any]] = []  # method, path, params, idempotency_key
        # True: every request answers 503 api_error (Stripe-Should-Retry: false), as in an outage.
        self.unavailable = False
        self._idempotency: dict[tuple[str, str], _Saved] = {}
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- server ----------------------------------------------------------------------------
    @property
    def url(self) -> str:
        assert self._server is not None, "the stand-in is not running"
        return f"http://127.0.0.1:{self._server.server_port}"

    def start(self) -> StripeStandin:
        standin = self

        class Handler(_Handler):
            pass

        Handler.standin = standin
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="stripe-standin",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> StripeStandin:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    # -- test helpers ----------------------------------------------------------------------
    def get(self, object_id: str) -> dict[str, Any]:
        """A copy of a stored object (as Stripe would return it)."""
        with self._lock:
            return json.loads(json.dumps(self.objects[object_id]))

    def intents(self) -> list[dict[str, Any]]:
        with self._lock:
            return [
                json.loads(json.dumps(o))
                for o in self.objects.values()
                if o["object"] == "payment_intent"
            ]

    def confirm(self, pi_id: str, *, succeed: bool = True) -> dict[str, Any]:
        """The client pays: the intent succeeds with a charge, or the card is declined (the
        intent goes back to requires_payment_method with a last_payment_error)."""
        with self._lock:
            pi = self.objects[pi_id]
            if pi["status"] in ("succeeded", "canceled"):
                raise ValueError(f"{pi_id} is {pi['status']}")
            charge = self._new(
                "charge",
                amount=pi["amount"],
                currency=pi["currency"],
                payment_intent=pi_id,
                paid=succeed,
                status="succeeded" if succeed else "failed",
                amount_refunded=0,
                refunded=False,
                failure_code=None if succeed else "card_declined",
                failure_message=None if succeed else "Your card was declined.",
            )
            pi["latest_charge"] = charge["id"]
            if succeed:
                pi.update(status="succeeded", amount_received=pi["amount"], last_payment_error=None)
            else:
                pi.update(
                    status="requires_payment_method",
                    last_payment_error={
                        "type": "card_error",
                        "code": "card_declined",
                        "decline_code": "generic_decline",
                        "message": "Your card was declined.",
                        "charge": charge["id"],
                    },
                )
            return json.loads(json.dumps(pi))

    def process(self, pi_id: str) -> dict[str, Any]:
        """The payment method is slow to settle (a bank debit): the intent is processing."""
        with self._lock:
            pi = self.objects[pi_id]
            pi.update(status="processing", last_payment_error=None)
            return json.loads(json.dumps(pi))

    def event(
        self,
        type: str,
        obj: dict[str, Any],
        *,
        timestamp: int | None = None,
        secret: str | None = None,
        event_id: str | None = None,
    ) -> Delivery:
        """A webhook delivery of `obj` (a snapshot: a later change is not in it), signed the way
        Stripe signs: header `t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`."""
        event_id = event_id or f"evt_{secrets.token_hex(12)}"
        body = {
            "id": event_id,
            "object": "event",
            "api_version": API_VERSION,
            "created": int(time.time()),
            "data": {"object": obj},
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "type": type,
        }
        payload = json.dumps(body, indent=2).encode()
        return Delivery(event_id, payload, self.sign(payload, timestamp=timestamp, secret=secret))

    def sign(
        self, payload: bytes, *, timestamp: int | None = None, secret: str | None = None
    ) -> str:
        t = int(time.time()) if timestamp is None else timestamp
        signed = f"{t}.".encode() + payload
        mac = hmac.new((secret or self.webhook_secret).encode(), signed, hashlib.sha256)
        return f"t={t},v1={mac.hexdigest()}"

    # -- the API ---------------------------------------------------------------------------
    def _new(self, kind: str, **fields: Any) -> dict[str, Any]:
        object_id = f"{_PREFIX[kind]}_{secrets.token_hex(12)}"
        obj: dict[str, Any] = {
            "id": object_id,
            "object": kind,
            "created": int(time.time()),
            "livemode": False,
        }
        obj.update(fields)
        obj.setdefault("metadata", {})
        self.objects[object_id] = obj
        self.created[kind] += 1
        return obj

    def handle(
        self, method: str, path: str, params: dict[str, Any], headers: dict[str, str]
    ) -> tuple[int, bytes, dict[str, str]]:
        """One API request: auth, idempotency, routing. Runs under the stand-in's lock, so
        concurrent requests with one key see each other's saved answer."""
        extra = {"Request-Id": f"req_{secrets.token_hex(7)}", "Stripe-Version": API_VERSION}
        auth = headers.get("authorization", "")
        if not auth:
            return self._error(ApiError(401, "You did not provide an API key."), extra)
        api_key = auth.removeprefix("Bearer ").strip()
        if not auth.startswith("Bearer ") or api_key != self.secret_key:
            shown = api_key[:8] + "*" * max(0, len(api_key) - 12) + api_key[-4:]
            return self._error(ApiError(401, f"Invalid API Key provided: {shown}"), extra)
        if self.unavailable:
            extra["Stripe-Should-Retry"] = "false"
            return self._error(
                ApiError(503, "Stripe is temporarily unavailable.", type="api_error"), extra
            )
        key = headers.get("idempotency-key", "") if method == "POST" else ""
        with self._lock:
            self.requests.append(
                {"method": method, "path": path, "params": params, "idempotency_key": key}
            )
            if key:
                extra["Idempotency-Key"] = key
                saved = self._idempotency.get((api_key, key))
                if saved is not None:
                    if (saved.method, saved.path, saved.params) != (method, path, params):
                        return self._error(
                            ApiError(
                                400,
                                "Keys for idempotent requests can only be used with the same "
                                "parameters they were first used with. Try using a key other "
                                f"than '{key}' if you meant to execute a different request.",
                                type="idempotency_error",
                            ),
                            extra,
                        )
                    return saved.status, saved.body, {**extra, "Idempotent-Replayed": "true"}
            try:
                status, body = 200, json.dumps(self._route(method, path, params)).encode()
            except ApiError as exc:
                status, body = exc.status, json.dumps(exc.body).encode()
                if key and exc.saved:
                    self._idempotency[(api_key, key)] = _Saved(method, path, params, status, body)
                return status, body, extra
            if key:
                self._idempotency[(api_key, key)] = _Saved(method, path, params, status, body)
            return status, body, extra

    def _error(self, exc: ApiError, extra: dict[str, str]) -> tuple[int, bytes, dict[str, str]]:
        return exc.status, json.dumps(exc.body).encode(), extra

    def _route(self, method: str, path: str, params: dict[str, Any]) -> dict[str, Any]:
        parts = path.strip("/").split("/")
        if parts[:1] != ["v1"] or len(parts) < 2 or parts[1] not in _OBJECT_PATHS:
            raise ApiError(404, f"Unrecognized request URL ({method}: {path}).")
        kind = _OBJECT_PATHS[parts[1]]
        if len(parts) == 2 and method == "POST":
            return getattr(self, f"_create_{kind}")(params)
        if len(parts) == 3 and method == "GET":
            return self._find(kind, parts[2])
        if (
            len(parts) == 4
            and method == "POST"
            and kind == "payment_intent"
            and parts[3] == "cancel"
        ):
            return self._cancel_intent(self._find(kind, parts[2]), params)
        raise ApiError(404, f"Unrecognized request URL ({method}: {path}).")

    def _find(self, kind: str, object_id: str) -> dict[str, Any]:
        obj = self.objects.get(object_id)
        if obj is None or obj["object"] != kind:
            raise ApiError(
                404,
                f"No such {kind}: '{object_id}'",
                code="resource_missing",
                param="intent" if kind == "payment_intent" else "id",
            )
        return obj

    @staticmethod
    def _amount(params: dict[str, Any], *, required: bool = True) -> int | None:
        raw = params.get("amount")
        if raw is None:
            if required:
                raise ApiError(
                    400, "Missing required param: amount.", code="parameter_missing", param="amount"
                )
            return None
        if not isinstance(raw, str) or not raw.isdigit():
            raise ApiError(
                400,
                "Invalid integer: " + str(raw),
                code="parameter_invalid_integer",
                param="amount",
            )
        amount = int(raw)
        if amount < 1:
            raise ApiError(
                400,
                "This value must be greater than or equal to 1.",
                code="parameter_invalid_integer",
                param="amount",
            )
        return amount

    @staticmethod
    def _currency(params: dict[str, Any]) -> str:
        currency = params.get("currency")
        if not currency:
            raise ApiError(
                400, "Missing required param: currency.", code="parameter_missing", param="currency"
            )
        if not isinstance(currency, str) or not re.fullmatch(r"[a-z]{3}", currency):
            raise ApiError(
                400,
                f"Invalid currency: {currency}.",
                code="parameter_invalid_string",
                param="currency",
            )
        return currency

    def _create_payment_intent(self, params: dict[str, Any]) -> dict[str, Any]:
        amount = self._amount(params)
        currency = self._currency(params)
        automatic = params.get("automatic_payment_methods")
        types = params.get("payment_method_types") or ["card"]
        pi = self._new(
            "payment_intent",
            amount=amount,
            amount_received=0,
            currency=currency,
            status="requires_payment_method",
            automatic_payment_methods=(
                {"enabled": automatic.get("enabled") == "true", "allow_redirects": "always"}
                if isinstance(automatic, dict)
                else None
            ),
            payment_method_types=types,
            metadata=params.get("metadata") or {},
            latest_charge=None,
            last_payment_error=None,
            canceled_at=None,
            cancellation_reason=None,
            capture_method="automatic",
            confirmation_method="automatic",
        )
        pi["client_secret"] = f"{pi['id']}_secret_{secrets.token_hex(12)}"
        return pi

    def _cancel_intent(self, pi: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
        if pi["status"] in ("succeeded", "canceled"):
            raise ApiError(
                400,
                "You cannot cancel this PaymentIntent because it has a status of "
                f"{pi['status']}. Only a PaymentIntent with one of the following statuses may be "
                "canceled: requires_payment_method, requires_capture, requires_confirmation, "
                "requires_action, processing.",
                code="payment_intent_unexpected_state",
                saved=True,
            )
        pi.update(
            status="canceled",
            canceled_at=int(time.time()),
            cancellation_reason=params.get("cancellation_reason") or "requested_by_customer",
        )
        return pi

    def _create_refund(self, params: dict[str, Any]) -> dict[str, Any]:
        pi_id = params.get("payment_intent")
        if not pi_id:
            raise ApiError(
                400,
                "One of the following params should be provided for this request: "
                "payment_intent or charge.",
                code="parameter_missing",
            )
        pi = self._find("payment_intent", pi_id)
        if pi["status"] != "succeeded" or not pi["latest_charge"]:
            raise ApiError(
                400,
                f"This PaymentIntent ({pi_id}) does not have a successful charge to refund.",
                code="charge_not_refundable",
                saved=True,
            )
        charge = self.objects[pi["latest_charge"]]
        left = charge["amount"] - charge["amount_refunded"]
        amount = self._amount(params, required=False) or left
        if amount > left:
            raise ApiError(
                400,
                f"Refund amount ({amount}) is greater than unrefunded amount on charge ({left})",
                code="amount_too_large",
                param="amount",
                saved=True,
            )
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] == charge["amount"]
        return self._new(
            "refund",
            amount=amount,
            currency=pi["currency"],
            payment_intent=pi_id,
            charge=charge["id"],
            status="succeeded",
            reason=params.get("reason"),
            metadata=params.get("metadata") or {},
        )

    def _create_transfer(self, params: dict[str, Any]) -> dict[str, Any]:
        amount = self._amount(params)
        currency = self._currency(params)
        destination = params.get("destination")
        if not destination:
            raise ApiError(
                400,
                "Missing required param: destination.",
                code="parameter_missing",
                param="destination",
            )
        if not re.fullmatch(r"acct_[A-Za-z0-9]+", str(destination)):
            raise ApiError(
                400,
                f"No such destination: '{destination}'",
                code="resource_missing",
                param="destination",
                saved=True,
            )
        return self._new(
            "transfer",
            amount=amount,
            currency=currency,
            destination=destination,
            reversed=False,
            amount_reversed=0,
            metadata=params.get("metadata") or {},
        )


class _Handler(BaseHTTPRequestHandler):
    standin: StripeStandin

    def _serve(self, method: str) -> None:
        split = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode() if length else ""
        params = decode_form(raw if method == "POST" else split.query)
        headers = {k.lower(): v for k, v in self.headers.items()}
        status, body, extra = self.standin.handle(method, split.path, params, headers)
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for name, value in extra.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    def log_message(self, format: str, *args: object) -> None:
        pass
