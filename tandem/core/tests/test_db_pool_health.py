"""After PostgreSQL drops the pool's connections (a restart), the next request gets a live
connection at once: the backend checks each connection as it leaves the pool and, when one is
dead, all the idle ones (tandem/core/postgresql; issue 16). The whole restart on a real node
is `test_fault_pg_restart.py`."""

import uuid
from collections.abc import Iterator

import pytest
from django.db import OperationalError, connection, connections
from django.db.backends.postgresql.base import DatabaseWrapper as DjangoWrapper

from tandem.core.postgresql.base import DatabaseWrapper as TandemWrapper

pytestmark = pytest.mark.django_db

IDLE = 5  # connections waiting in the pool when the server drops them


def test_postgresql_runs_on_the_backend_that_checks_pooled_connections():
    if connection.vendor != "postgresql":
        pytest.skip("the connection pool is PostgreSQL's")
    assert isinstance(connections["default"], TandemWrapper)
    assert connection.settings_dict["ENGINE"] == "tandem.core.postgresql"
    # psycopg_pool's own check is off: it backs off between dead connections (see below).
    assert connection.settings_dict["CONN_HEALTH_CHECKS"] is False
    assert connection.pool._check is None


def _own_pool(backend: type[DjangoWrapper], health_checks: bool) -> DjangoWrapper:
    """A second wrapper on the test database with its own pool (Django keeps pools per alias),
    IDLE connections in it, a short wait for a connection, and an application_name no other
    session has, so the test can find its backends."""
    options = connection.settings_dict["OPTIONS"]
    settings_dict = {
        **connection.settings_dict,
        "CONN_HEALTH_CHECKS": health_checks,
        "OPTIONS": {
            **options,
            "application_name": f"tandem-pool-test-{uuid.uuid4().hex}",
            "pool": {**options["pool"], "min_size": IDLE, "timeout": 2},
        },
    }
    return backend(settings_dict, alias=f"pool_health_{uuid.uuid4().hex[:8]}")


BACKENDS = {
    "tandem": (TandemWrapper, False),  # what settings.py runs
    "django, CONN_HEALTH_CHECKS": (DjangoWrapper, True),  # psycopg_pool's own check
    "django, no check": (DjangoWrapper, False),
}


@pytest.fixture
def own_pool(request) -> Iterator[DjangoWrapper]:
    if connection.vendor != "postgresql":
        pytest.skip("the connection pool is PostgreSQL's")
    wrapper = _own_pool(*BACKENDS[request.param])
    try:
        yield wrapper
    finally:
        wrapper.close()
        wrapper.close_pool()


def _backend_pid(wrapper: DjangoWrapper) -> int:
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def _terminate_own_backends(wrapper: DjangoWrapper) -> int:
    """What a server restart does to the pool: every connection it holds is closed by the
    server. Only backends with this test's unique application_name, on this database."""
    app_name = wrapper.settings_dict["OPTIONS"]["application_name"]
    with connection.cursor() as cursor:
        # The timeout argument makes each call wait until that backend has exited.
        cursor.execute(
            "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, 10000))"
            " FROM pg_stat_activity"
            " WHERE application_name = %s AND datname = current_database()"
            " AND pid <> pg_backend_pid()",
            [app_name],
        )
        return cursor.fetchone()[0]


def _run_once_after_the_restart(wrapper: DjangoWrapper) -> int:
    pid_before = _backend_pid(wrapper)
    wrapper.close()  # back into the pool, idle, as between two requests
    wrapper.pool.wait()  # IDLE connections in it (one more if it grew for the first query)
    assert _terminate_own_backends(wrapper) >= IDLE
    return pid_before


@pytest.mark.parametrize("own_pool", ["tandem"], indirect=True)
def test_a_request_after_the_server_dropped_the_pool_succeeds_first_time(own_pool):
    pid_before = _run_once_after_the_restart(own_pool)
    # The very next query, as the next request would make it, works; on a new backend.
    assert _backend_pid(own_pool) != pid_before
    # The other dead ones were dropped with the first: nothing dead is left to hand out.
    for _ in range(IDLE + 1):
        _backend_pid(own_pool)
        own_pool.close()


@pytest.mark.parametrize("own_pool", ["django, CONN_HEALTH_CHECKS"], indirect=True)
def test_the_pools_own_check_backs_off_between_dead_connections(own_pool):
    # Why the project's backend exists: psycopg_pool waits 1 s, then 2 s … between one dead
    # connection and the next, so with several dead ones the first request runs out of the
    # pool's wait (2 s here, 10 s in production) although the server is back.
    _run_once_after_the_restart(own_pool)
    with pytest.raises(OperationalError, match="couldn't get a connection"):
        _backend_pid(own_pool)


@pytest.mark.parametrize("own_pool", ["django, no check"], indirect=True)
def test_without_the_check_the_pool_hands_out_a_dead_connection(own_pool):
    # What the check prevents: the failure seen in production.
    _run_once_after_the_restart(own_pool)
    with pytest.raises(OperationalError):
        _backend_pid(own_pool)
