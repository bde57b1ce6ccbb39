"""Twenty WebSocket clients that never read must not pin the server's memory (issue 16).

A real uvicorn node on a private Redis (the pub/sub channel layer, as in production) and a
SQLite file: 20 sockets complete their handshake and never read again, one normal client
reads, and a burst of large events goes to all 21 users. Before the fix each stuck socket's
consumer stopped taking its wake-ups off the channel layer while uvicorn held its frames
back, and they piled up in the layer's queue (measured: +181 MiB for this burst, never
released). Now the server's memory stays within a bound, each stuck socket is dropped once a
frame has waited TANDEM_EVENTS_SEND_TIMEOUT_SECONDS (3 here) and its connection closed, and
the reading client gets every event, in order, once. Ten Server-Sent Events streams of the
same users that never read either had the same flaw (+63 MiB for 400 events); their wake-ups
are drained too (wakeups.py), so they stay within the same bound (they are not dropped).
"""

from __future__ import annotations

import time

import pytest

from tandem.realtime.tests.slow_clients import (
    Node,
    Reader,
    read_to_end,
    stuck_socket,
    stuck_stream,
    wait_until,
)

pytestmark = pytest.mark.fault

STUCK = 20
STUCK_STREAMS = 10
EVENTS = 400
SIZE = 15_000  # bytes of data per event (events carry at most 16 KiB)
# What the server may grow by, over its RSS with all 21 sockets open. Measured with the fix:
# 8 to 13 MiB (page reads, allocator slack); without it the same burst added 150+ MiB.
BOUND_MIB = 40.0
SEND_TIMEOUT = 3


def test_twenty_sockets_that_never_read_keep_memory_bounded_and_are_dropped(
    redis_instance, tmp_path
):
    node = Node(
        tmp_path / "node",
        redis_instance.url(),
        users=STUCK + 1,
        settings={"TANDEM_EVENTS_SEND_TIMEOUT_SECONDS": str(SEND_TIMEOUT)},
    )
    stuck: list = []
    streams: list = []
    reader = None
    try:
        node.start()
        *stuck_users, (_, reader_token) = node.tokens
        stuck = [stuck_socket(node.port, token) for _, token in stuck_users]
        streams = [stuck_stream(node.port, token) for _, token in stuck_users[:STUCK_STREAMS]]
        reader = Reader(node.port, reader_token)
        reader.start()
        assert reader.ready.wait(10), reader.error
        wait_until(lambda: node.rss() > 0, deadline=5, what="the server's RSS")
        baseline = node.rss()
        peak = baseline
        started = time.monotonic()
        publisher = node.publish([pk for pk, _ in node.tokens], EVENTS, SIZE)

        def sampled(done: bool) -> bool:
            nonlocal peak
            peak = max(peak, node.rss())
            return done

        # Every event reaches the reader while the stuck ones fall behind and are dropped.
        wait_until(
            lambda: sampled(publisher.poll() is not None and len(reader.seqs) >= EVENTS),
            deadline=45,
            what=f"{EVENTS} events at the reader (has {len(reader.seqs)})",
        )
        assert publisher.returncode == 0
        wait_until(
            lambda: sampled(node.log().count("for the client (close 4408") >= STUCK),
            deadline=2 * SEND_TIMEOUT + 10,
            what="every stuck socket dropped",
        )
        after = node.rss()
        print(
            f"\nRSS MiB: baseline {baseline:.1f} (21 sockets, {STUCK_STREAMS} streams open), "
            f"peak {peak:.1f} (+{peak - baseline:.1f}), after the drops {after:.1f}; "
            f"burst {EVENTS} x {SIZE} B to {STUCK + 1} users, "
            f"{time.monotonic() - started:.1f} s"
        )
        assert reader.error is None, reader.error
        assert reader.seqs == list(range(1, EVENTS + 1))  # every event, in order, once
        assert peak - baseline < BOUND_MIB, f"grew {peak - baseline:.1f} MiB"
        # The server closed each stuck connection: read what it had buffered, then the end.
        ends = [read_to_end(sock, deadline=10) for sock in stuck]
        assert all(end is not None for end in ends), ends
        assert "Traceback" not in node.log(), node.log()
    finally:
        if reader is not None:
            reader.stopping.set()
            reader.join(timeout=5)
        for sock in stuck + streams:
            sock.close()
        node.stop()
