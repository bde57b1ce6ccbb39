"""Project-wide test fixtures: coach Alice, client Bob and stranger Charlie."""

import os

import pytest

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings, tmp_path):
    # Argon2 is deliberately slow; tests don't need that.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _redis_warnings_not_yet_given():
    # "Redis unavailable" warnings are rate-limited per process (realtime/degraded.py): each
    # test starts as a fresh process would, whatever ran before it.
    from tandem.realtime.degraded import reset_warnings

    reset_warnings()


@pytest.fixture(autouse=True)
def _clear_cache():
    # Rate limits and other cache state must not leak from one test to the next (on Redis too).
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def make_user(email: str, *, name: str, zone: str = "UTC", verified: bool = True, **extra):
    from allauth.account.models import EmailAddress

    from tandem.accounts.models import User

    user = User.objects.create_user(
        email=email, password=PASSWORD, display_name=name, timezone=zone, **extra
    )
    EmailAddress.objects.create(user=user, email=email, verified=verified, primary=True)
    return user


@pytest.fixture
def alice(db):
    """Coach Alice (approved coach application), Europe/Berlin."""
    from tandem.accounts.models import CoachApplication

    user = make_user("alice@example.com", name="Alice Adler", zone="Europe/Berlin")
    CoachApplication.objects.create(
        user=user, headline="Leadership coach", status=CoachApplication.Status.APPROVED
    )
    return user


@pytest.fixture
def bob(db):
    """Client Bob, America/New_York. He reads the 24-hour clock (the suite's expected texts
    say "14:00"); left on "auto", English in New York would read 12-hour (core/timefmt.py)."""
    return make_user(
        "bob@example.com", name="Bob Brown", zone="America/New_York", time_format="24h"
    )


@pytest.fixture
def charlie(db):
    """Stranger Charlie: should have no access to Alice's or Bob's things."""
    return make_user(
        "charlie@example.com", name="Charlie Chen", zone="Asia/Singapore", time_format="24h"
    )


@pytest.fixture
def staff_user(db):
    return make_user("staff@example.com", name="Sam Staff", is_staff=True, is_superuser=True)


def pytest_report_header(config):
    db = os.environ.get("DATABASE_URL") or "sqlite (embedded)"
    redis = os.environ.get("REDIS_URL") or "in-memory channel layer, local-memory cache"
    return [f"tandem database: {db}", f"tandem redis: {redis}"]


@pytest.fixture
def pg_instance():
    """A private PostgreSQL server (started) that a fault test may stop, crash and restart."""
    from tandem.core.tests.instances import PostgresInstance

    instance = PostgresInstance()
    instance.start()
    yield instance
    instance.destroy()


@pytest.fixture
def redis_instance():
    """A private Redis server (started) that a fault test may kill and restart."""
    from tandem.core.tests.instances import RedisInstance

    instance = RedisInstance()
    instance.start()
    yield instance
    instance.destroy()
