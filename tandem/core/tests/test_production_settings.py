"""Production settings pass `check --deploy`; embedded mode keeps its secret under var/.

Settings are read once per process, so each mode is examined in a fresh Python subprocess.
"""

import base64
import json
import os
import secrets
import stat
import string
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.test import Client

BASE_DIR = Path(settings.BASE_DIR)
# Importing the settings module is enough (and much faster than django.setup()).
PRINT_SETTINGS = """
import json, tandem.settings as settings
print(json.dumps({name: getattr(settings, name, None) for name in %r}, default=str))
"""


def base_env(**extra: str) -> dict[str, str]:
    """The current environment minus everything that selects Tandem's mode."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "TANDEM_ENV",
            "SECRET_KEY",
            "ALLOWED_HOSTS",
            "DATABASE_URL",
            "REDIS_URL",
            "DEBUG",
            "TANDEM_VAR_DIR",
            "SECURE_SSL_REDIRECT",
            "DJANGO_SETTINGS_MODULE",
            "TANDEM_MESSAGE_KEYS",
            "TANDEM_SITE_URL",
        }
    }
    env["DJANGO_SETTINGS_MODULE"] = "tandem.settings"
    env.update(extra)
    return env


def production_env(**extra: str) -> dict[str, str]:
    alphabet = string.ascii_letters + string.digits + string.punctuation
    extra = {"TANDEM_SITE_URL": "https://tandem.example", **extra}
    return base_env(
        TANDEM_ENV="production",
        SECRET_KEY="".join(secrets.choice(alphabet) for _ in range(50)),
        ALLOWED_HOSTS="tandem.example",
        DATABASE_URL=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test"),
        REDIS_URL=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
        # A Fernet key (32 random bytes, urlsafe base64): production requires one.
        TANDEM_MESSAGE_KEYS=base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        **extra,
    )


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=60
    )


def settings_in(env: dict[str, str], *names: str) -> dict:
    result = run(["-c", PRINT_SETTINGS % (names,)], env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_settings_pass_check_deploy():
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], production_env())
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_deploy_warns_when_production_does_not_name_its_public_https_url():
    env = production_env()
    del env["TANDEM_SITE_URL"]
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)
    assert result.returncode != 0
    assert "core.W001" in result.stderr + result.stdout

    plain = production_env(TANDEM_SITE_URL="http://tandem.example")
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], plain)
    assert result.returncode != 0
    assert "core.W002" in result.stderr + result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = production_env()
    del env["SECRET_KEY"]
    result = run(["manage.py", "check", "--deploy"], env)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    env = production_env()
    del env["ALLOWED_HOSTS"]
    result = run(["manage.py", "check"], env)
    assert result.returncode != 0
    assert "ALLOWED_HOSTS" in result.stderr


def test_production_refuses_to_start_without_postgres_and_redis():
    env = production_env()
    del env["REDIS_URL"]
    result = run(["manage.py", "check"], env)
    assert result.returncode != 0
    assert "REDIS_URL" in result.stderr


def test_production_turns_debug_off_and_cookies_and_hsts_on():
    values = settings_in(
        production_env(),
        "DEBUG",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_HSTS_SECONDS",
        "SECURE_SSL_REDIRECT",
        "SESSION_COOKIE_HTTPONLY",
    )
    assert values["DEBUG"] is False
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["SECURE_HSTS_SECONDS"] > 0
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SESSION_COOKIE_HTTPONLY"] is True


def test_production_ignores_debug_from_the_environment():
    assert settings_in(production_env(DEBUG="1"), "DEBUG")["DEBUG"] is False


def test_a_page_has_a_content_security_policy(db):
    response = Client().get("/accounts/login/")
    assert response.status_code == 200
    policy = {
        directive.split()[0]: directive.split()[1:]
        for directive in response["Content-Security-Policy"].split(";")
        if directive.strip()
    }
    assert policy["script-src"] == ["'self'"]
    assert policy["default-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_embedded_mode_keeps_a_private_secret_under_var_and_reuses_it(tmp_path):
    # given an empty var directory
    var = tmp_path / "var"
    env = base_env(TANDEM_VAR_DIR=str(var))
    # when the app starts for the first time
    first = settings_in(env, "SECRET_KEY", "DEBUG")["SECRET_KEY"]
    # then a secret was made and kept, readable by the owner only
    key_file = var / "secret_key"
    assert key_file.read_text().strip() == first
    assert len(first) >= 50
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert not [p.name for p in var.iterdir() if p.name.startswith(".secret_key")]
    # and the next start uses the same one
    assert settings_in(env, "SECRET_KEY")["SECRET_KEY"] == first


def test_processes_starting_together_agree_on_one_embedded_secret(tmp_path):
    # web and worker start at the same moment on a fresh install
    env = base_env(TANDEM_VAR_DIR=str(tmp_path / "var"))
    code = PRINT_SETTINGS % (("SECRET_KEY",),)
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code],
            cwd=BASE_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    keys = set()
    for proc in procs:
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
        keys.add(json.loads(out.strip().splitlines()[-1])["SECRET_KEY"])
    assert len(keys) == 1
    assert keys.pop()
