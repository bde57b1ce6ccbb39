"""Ephemeral signals (typing, presence): over the channel layer only, never stored.

A signal reaches the sockets a user has open now, or nobody; that is the point of them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from .services import _plain, group_name

SIGNAL = "events.signal"


async def asend_signal(user_ids: Iterable[int], kind: str, data: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    message = {"type": SIGNAL, "signal": {"kind": kind, "data": _plain(data)}}
    for user_id in set(user_ids):
        await layer.group_send(group_name(user_id), message)


def send_signal(user_ids: Iterable[int], kind: str, data: dict[str, Any]) -> None:
    """Send now (not on commit: a typing indicator has nothing to wait for)."""
    async_to_sync(asend_signal)(user_ids, kind, data)
