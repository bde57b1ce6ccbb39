"""Several uvicorn workers, each on its own listening socket (SO_REUSEPORT).

`uvicorn --workers N` shares one listening socket between its workers: whichever worker wakes
first accepts, and long-lived keep-alive connections pile onto it (measured with 20 clients
on 2 workers: 20/0 in most runs, so one worker's CPU was the whole server's capacity while
the other idled). With SO_REUSEPORT every worker listens on a socket of its own and the
kernel spreads new connections across them. `manage.py serve --workers N` (N > 1) runs this;
where the platform has no SO_REUSEPORT it falls back to `uvicorn --workers N`.

    python -m tandem.core.webserver --host 127.0.0.1 --port 8000 --workers 2

The supervisor forwards SIGINT/SIGTERM to the workers and stops them all if one dies.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time

from tandem.core.processes import stop_processes

APP = "tandem.asgi:application"


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--log-level", default="info")
    parser.add_argument("--no-access-log", action="store_true")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(2048)
    return sock


def run_worker(args: argparse.Namespace) -> None:
    import uvicorn

    config = uvicorn.Config(
        APP,
        lifespan="off",
        log_level=args.log_level,
        access_log=not args.no_access_log,
    )
    uvicorn.Server(config).run(sockets=[listen(args.host, args.port)])


def supervise(args: argparse.Namespace, argv: list[str]) -> int:
    if not hasattr(socket, "SO_REUSEPORT"):
        # No per-worker sockets here: uvicorn's own supervisor with a shared socket.
        os.execv(
            sys.executable,
            [
                sys.executable, "-m", "uvicorn", APP, "--host", args.host,
                "--port", str(args.port), "--lifespan", "off", "--workers", str(args.workers),
                "--log-level", args.log_level,
                *(["--no-access-log"] if args.no_access_log else []),
            ],
        )  # fmt: skip
    stopping = False

    def stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    command = [sys.executable, "-m", "tandem.core.webserver", "--worker", *argv]
    workers = [subprocess.Popen(command) for _ in range(args.workers)]
    try:
        while not stopping and all(w.poll() is None for w in workers):
            time.sleep(0.2)
    finally:
        stop_processes(workers)
    return 0 if stopping else 1


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse(argv)
    if args.worker:
        run_worker(args)
        return 0
    return supervise(args, argv)


if __name__ == "__main__":
    sys.exit(main())
