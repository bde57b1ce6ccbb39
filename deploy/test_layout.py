"""The production layout's files agree with each other (fast; deploy/check runs them)."""

from __future__ import annotations

import re

import pytest

from deploy.check import (
    DEPLOY,
    SWEEPS,
    check_procfile_matches_units,
    procfile,
    unit_commands,
)
from deploy.manage import read_env_file
from deploy.render_nginx import PLACEHOLDER, Site, render


def test_the_site_file_has_one_upstream_server_per_node_and_no_placeholder_left() -> None:
    nodes = ["127.0.0.1:8001", "127.0.0.1:8002", "10.0.0.5:8001"]
    text = render(Site(server_name="tandem.example", nodes=nodes))
    servers = re.findall(r"^\s+server (\S+) max_fails=1 fail_timeout=10s;$", text, re.M)
    assert servers == nodes
    assert PLACEHOLDER.search(text) is None
    assert "return 301 https://tandem.example$request_uri;" in text
    assert "/etc/letsencrypt/live/tandem.example/fullchain.pem" in text


def test_a_site_needs_a_node_and_a_template_needs_every_value() -> None:
    with pytest.raises(ValueError, match="at least one web node"):
        render(Site(server_name="tandem.example", nodes=[]))
    with pytest.raises(ValueError, match="no value for UNKNOWN"):
        render(Site(server_name="x", nodes=["127.0.0.1:1"]), template="{{UNKNOWN}}")


def test_the_procfile_runs_what_the_systemd_units_run() -> None:
    check_procfile_matches_units()
    assert {"web", "worker", "notify", *SWEEPS} == set(procfile())


def test_the_example_environment_is_production_with_what_it_requires() -> None:
    env = read_env_file(DEPLOY / "tandem.env.example")
    assert env["TANDEM_ENV"] == "production"
    required = {"SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL", "TANDEM_MESSAGE_KEYS"}
    assert required <= set(env)
    assert env["TANDEM_SITE_URL"].startswith("https://")


def test_a_web_node_unit_serves_its_instance_port() -> None:
    (argv,) = unit_commands("tandem-web@.service", "8001")
    at = argv.index("--host")
    assert argv[at : at + 4] == ["--host", "127.0.0.1", "--port", "8001"]
    assert argv[1:4] == ["-m", "uvicorn", "tandem.asgi:application"]
