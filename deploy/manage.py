"""Run a manage.py command with the production environment file, as the services do.

    sudo -u tandem /srv/tandem/.venv/bin/python -m deploy.manage createsuperuser
    sudo -u tandem /srv/tandem/.venv/bin/python -m deploy.manage shell

The file (/etc/tandem/tandem.env, or TANDEM_ENV_FILE) is systemd's EnvironmentFile format,
not a shell script (`DEFAULT_FROM_EMAIL=Tandem <no-reply@…>` would be a redirect to `sh`), so
it is read here the way systemd reads it: KEY=VALUE lines, `#` comments, no quoting.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_FILE = "/etc/tandem/tandem.env"


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines; blank lines and lines starting with # are skipped; a value is the rest
    of the line, spaces included (as systemd keeps it, for the unquoted values used here)."""
    values: dict[str, str] = {}
    for number, raw in enumerate(path.read_text().splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        key, sep, value = line.partition("=")
        if not sep or not key.strip().isidentifier():
            raise ValueError(f"{path}:{number}: not KEY=VALUE: {raw!r}")
        values[key.strip()] = value.strip()
    return values


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    env_file = Path(os.environ.get("TANDEM_ENV_FILE", DEFAULT_FILE))
    env = {**os.environ, **read_env_file(env_file)}
    os.chdir(ROOT)
    os.execve(sys.executable, [sys.executable, str(ROOT / "manage.py"), *args], env)


if __name__ == "__main__":
    sys.exit(main())
