"""Render deploy/nginx/tandem.conf.template into an nginx site file for N web nodes.

    .venv/bin/python -m deploy.render_nginx --server-name tandem.example \\
        --node 127.0.0.1:8001 --node 127.0.0.1:8002 > /etc/nginx/sites-available/tandem

`deploy/check` renders the same template, so the file it proves is the file you install.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parent / "nginx" / "tandem.conf.template"
ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"\{\{([A-Z_]+)\}\}")


@dataclass(frozen=True)
class Site:
    """What the site file needs to know; the defaults are Debian's usual places."""

    server_name: str
    nodes: list[str]
    site_url: str = ""  # default: https://<first server name>
    https_listen: str = "443"
    http_listen: str = "80"
    static_root: str = str(ROOT / "staticfiles")
    tls_cert: str = ""  # default: Let's Encrypt's path for the server name
    tls_key: str = ""
    log_dir: str = "/var/log/nginx"
    # A node that failed is skipped this long before nginx tries it again.
    fail_timeout: str = "10s"

    def values(self) -> dict[str, str]:
        name = self.server_name.split()[0]
        if not self.nodes:
            raise ValueError("at least one web node (--node HOST:PORT)")
        servers = "\n".join(
            f"    server {node} max_fails=1 fail_timeout={self.fail_timeout};"
            for node in self.nodes
        )
        return {
            "SERVER_NAME": self.server_name,
            "SITE_URL": (self.site_url or f"https://{name}").rstrip("/"),
            "HTTPS_LISTEN": self.https_listen,
            "HTTP_LISTEN": self.http_listen,
            "UPSTREAM_SERVERS": servers,
            "STATIC_ROOT": self.static_root.rstrip("/"),
            "TLS_CERT": self.tls_cert or f"/etc/letsencrypt/live/{name}/fullchain.pem",
            "TLS_KEY": self.tls_key or f"/etc/letsencrypt/live/{name}/privkey.pem",
            "LOG_DIR": self.log_dir.rstrip("/"),
        }


def render(site: Site, template: str | None = None) -> str:
    text = TEMPLATE.read_text() if template is None else template
    values = site.values()
    missing = sorted({m for m in PLACEHOLDER.findall(text) if m not in values})
    if missing:
        raise ValueError(f"no value for {', '.join(missing)}")
    return PLACEHOLDER.sub(lambda m: values[m.group(1)], text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--server-name", required=True, help="public host name(s), e.g. tandem.example"
    )
    parser.add_argument(
        "--node", action="append", required=True, metavar="HOST:PORT",
        help="a web node; repeat for each one",
    )  # fmt: skip
    parser.add_argument("--site-url", default="", help="TANDEM_SITE_URL (default https://NAME)")
    parser.add_argument("--https-listen", default="443")
    parser.add_argument("--http-listen", default="80")
    parser.add_argument("--static-root", default=str(ROOT / "staticfiles"))
    parser.add_argument("--tls-cert", default="")
    parser.add_argument("--tls-key", default="")
    parser.add_argument("--log-dir", default="/var/log/nginx")
    parser.add_argument("--fail-timeout", default="10s")
    args = parser.parse_args(argv)
    site = Site(
        server_name=args.server_name,
        nodes=args.node,
        site_url=args.site_url,
        https_listen=args.https_listen,
        http_listen=args.http_listen,
        static_root=args.static_root,
        tls_cert=args.tls_cert,
        tls_key=args.tls_key,
        log_dir=args.log_dir,
        fail_timeout=args.fail_timeout,
    )
    sys.stdout.write(render(site))
    return 0


if __name__ == "__main__":
    sys.exit(main())
