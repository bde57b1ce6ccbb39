"""What the PostgreSQL benchmarks share: their own database, and percentiles."""

from __future__ import annotations

import argparse
import math
import socket


def database_url(args: argparse.Namespace) -> str:
    """`--server` + `--db`: the benchmark's database (never `test`, which each refuses)."""
    return f"{args.server.rstrip('/')}/{args.db}"


def ensure_database(args: argparse.Namespace) -> None:
    """Create the benchmark database if it is missing (migrations run later, in Django)."""
    import psycopg

    with psycopg.connect(f"{args.server.rstrip('/')}/postgres", autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [args.db]).fetchone()
        if not found:
            conn.execute(f'CREATE DATABASE "{args.db}"')
            print(f"created database {args.db}")


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile (NaN for no values)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
