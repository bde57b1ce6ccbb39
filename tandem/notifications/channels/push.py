"""The Web Push channel (VAPID, RFC 8291 encryption) through pywebpush.

Keys: TANDEM_VAPID_PRIVATE_KEY (the raw 32-byte P-256 key, urlsafe base64) in production;
in the embedded mode one is derived from SECRET_KEY, so web and worker agree without a file.
A subscription the push service says is gone (404/410) is deleted.
"""

from __future__ import annotations

import base64
import functools
import json

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.utils import timezone

from ..models import Delivery, PushSubscription

_P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


class PushFailed(Exception):
    """Every subscription of the user failed (the delivery is retried)."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@functools.cache
def _private_key() -> ec.EllipticCurvePrivateKey:
    configured = settings.TANDEM_VAPID_PRIVATE_KEY
    if configured:
        raw = base64.urlsafe_b64decode(configured + "=" * (-len(configured) % 4))
        return ec.derive_private_key(int.from_bytes(raw, "big"), ec.SECP256R1())
    seed = HKDF(algorithm=hashes.SHA256(), length=48, salt=None, info=b"tandem vapid key").derive(
        settings.SECRET_KEY.encode()
    )
    value = int.from_bytes(seed, "big") % (_P256_ORDER - 1) + 1
    return ec.derive_private_key(value, ec.SECP256R1())


def vapid_private_raw() -> str:
    number = _private_key().private_numbers().private_value
    return _b64(number.to_bytes(32, "big"))


def vapid_public_key() -> str:
    """The applicationServerKey browsers subscribe with (uncompressed point, base64url)."""
    point = (
        _private_key()
        .public_key()
        .public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    )
    return _b64(point)


def send(delivery: Delivery) -> None:
    from py_vapid import Vapid
    from pywebpush import WebPushException, webpush

    subscriptions = list(PushSubscription.objects.filter(user_id=delivery.user_id))
    if not subscriptions:
        return  # unsubscribed since: nothing to send to
    payload = json.dumps(
        {
            "title": delivery.payload.get("title", "Tandem"),
            "body": delivery.payload.get("body", ""),
            "url": delivery.payload.get("url", "/notifications/"),
            "tag": delivery.key,
        }
    )
    vapid = Vapid.from_raw(vapid_private_raw().encode())
    failures = []
    for sub in subscriptions:
        info = {"endpoint": sub.endpoint, "keys": {"p256dh": sub.p256dh, "auth": sub.auth}}
        try:
            webpush(
                info,
                data=payload,
                vapid_private_key=vapid,
                vapid_claims={"sub": settings.TANDEM_VAPID_SUBJECT},
                ttl=settings.TANDEM_PUSH_TTL_SECONDS,
                timeout=10,
            )
        except WebPushException as exc:
            status = getattr(exc.response, "status_code", None)
            if status in (404, 410):
                sub.delete()  # the browser dropped it; sending again would fail forever
                continue
            failures.append(f"{sub.pk}: {status or exc}")
            continue
        PushSubscription.objects.filter(pk=sub.pk).update(last_success_at=timezone.now())
    if failures and len(failures) == len(subscriptions):
        raise PushFailed("; ".join(failures))
