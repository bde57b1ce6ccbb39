"""Clients that stop reading: the server's memory, with and without the bound (issue 16).

    .venv/bin/python bench/slow_clients.py [--stuck 20] [--streams 0] [--events 800]
        [--size 15000] [--send-timeout 10] [--baseline-ref REF] [--redis URL]

Starts ONE uvicorn process on a fresh SQLite file and a private Redis (`redis-server` on a
free port; or `--redis`, with a prefix of its own), the pub/sub channel layer as in
production. Opens `--stuck` WebSockets that complete their handshake and never read again
(raw sockets, 4 KiB receive buffer), `--streams` Server-Sent Events streams of the same users
that never read either, and one WebSocket that reads everything. Then one process publishes
`--events` events of `--size` bytes to every user (one transaction each, as services do) and
the server's resident memory (VmRSS) is sampled until the burst is over and the stuck
sockets are dropped (or, where nothing drops them, `3 x --send-timeout` after it).

With `--baseline-ref REF` the same runs first against that commit (a `git archive` of it in
a temporary directory, served with this venv): the figures side by side, and the growth
ratio measured in the same run. Prints the machine's load with the figures.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tandem.realtime.tests.slow_clients import (  # noqa: E402
    Node,
    Reader,
    read_to_end,
    stuck_socket,
    stuck_stream,
)

DROPPED = "for the client (close 4408"


@dataclass
class Result:
    label: str
    baseline: float
    peak: float
    after: float
    dropped: int
    closed: int
    received: int
    in_order: bool
    seconds: float

    @property
    def growth(self) -> float:
        return self.peak - self.baseline


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stuck", type=int, default=20)
    parser.add_argument("--streams", type=int, default=0)
    parser.add_argument("--events", type=int, default=800)
    parser.add_argument("--size", type=int, default=15_000)
    parser.add_argument("--send-timeout", type=float, default=10.0)
    parser.add_argument("--baseline-ref", default="")
    parser.add_argument("--redis", default="")
    return parser.parse_args()


def checkout(ref: str, into: Path) -> Path:
    """`ref` of this repository, extracted (no .git) into `into`."""
    into.mkdir(parents=True)
    archive = subprocess.run(
        ["git", "archive", ref], cwd=ROOT, check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def scenario(label: str, project: Path, redis_url: str, args: argparse.Namespace) -> Result:
    work = Path(tempfile.mkdtemp(prefix="slow-clients-"))
    node = Node(
        work,
        redis_url,
        users=args.stuck + 1,
        project=project,
        settings={"TANDEM_EVENTS_SEND_TIMEOUT_SECONDS": str(args.send_timeout)},
    )
    sockets = []
    reader = None
    try:
        node.start()
        *stuck_users, (_, reader_token) = node.tokens
        sockets = [stuck_socket(node.port, token) for _, token in stuck_users]
        sockets += [stuck_stream(node.port, token) for _, token in stuck_users[: args.streams]]
        reader = Reader(node.port, reader_token)
        reader.start()
        if not reader.ready.wait(10):
            sys.exit(f"{label}: the reading client got no ready frame: {reader.error}")
        time.sleep(1)  # let the server settle after the connections
        baseline = peak = node.rss()
        started = time.monotonic()
        publisher = node.publish([pk for pk, _ in node.tokens], args.events, args.size)
        settle_until = None
        while True:
            peak = max(peak, node.rss())
            done = publisher.poll() is not None and len(reader.seqs) >= args.events
            if done and settle_until is None:
                # A drop takes up to two timeouts (the frame, then the close frame).
                settle_until = time.monotonic() + 3 * args.send_timeout
            dropped = node.log().count(DROPPED)
            if done and (dropped >= args.stuck or time.monotonic() > (settle_until or 0)):
                break
            if time.monotonic() - started > 300:
                print(f"{label}: gave up after 300 s", file=sys.stderr)
                break
            time.sleep(0.25)
        seconds = time.monotonic() - started
        after = node.rss()
        closed = sum(read_to_end(sock, deadline=12) is not None for sock in sockets[: args.stuck])
        return Result(
            label,
            baseline,
            peak,
            after,
            node.log().count(DROPPED),
            closed,
            len(reader.seqs),
            reader.seqs == list(range(1, len(reader.seqs) + 1)),
            seconds,
        )
    finally:
        if reader is not None:
            reader.stopping.set()
            reader.join(timeout=5)
        for sock in sockets:
            sock.close()
        node.stop()


def report(result: Result, args: argparse.Namespace) -> None:
    print(
        f"{result.label:>10}: RSS {result.baseline:6.1f} -> peak {result.peak:6.1f} MiB "
        f"(+{result.growth:5.1f}), {result.after:6.1f} at the end; dropped "
        f"{result.dropped}/{args.stuck}, ended once read {result.closed}/{args.stuck}; "
        f"reader {result.received}/{args.events} "
        f"{'in order' if result.in_order else 'OUT OF ORDER'}; {result.seconds:.0f} s"
    )


def main() -> int:
    args = parse_args()
    load = os.getloadavg()
    print(
        f"machine: {platform.node()}, {os.cpu_count()} cores, kernel {platform.release()}, "
        f"load {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    )
    print(
        f"{args.stuck} stuck WebSockets, {args.streams} stuck SSE streams, 1 reader; "
        f"{args.events} events x {args.size} B to {args.stuck + 1} users; "
        f"send timeout {args.send_timeout:g} s"
    )
    redis = None
    redis_url = args.redis
    if not redis_url:
        from tandem.core.tests.instances import RedisInstance

        redis = RedisInstance()
        redis.start()
        redis_url = redis.url()
    results = []
    try:
        with tempfile.TemporaryDirectory(prefix="slow-clients-ref-") as old:
            if args.baseline_ref:
                project = checkout(args.baseline_ref, Path(old) / "tandem")
                results.append(scenario(args.baseline_ref[:10], project, redis_url, args))
                report(results[-1], args)
            results.append(scenario("this tree", ROOT, redis_url, args))
            report(results[-1], args)
    finally:
        if redis is not None:
            redis.destroy()
    if len(results) == 2 and results[1].growth > 0:
        print(f"growth ratio, baseline / this tree: {results[0].growth / results[1].growth:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
