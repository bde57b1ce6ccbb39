"""After PostgreSQL drops the pool's connections (a restart), the next request gets a live
connection at once: the pool checks each connection as it hands it out (issue 16)."""

import uuid
from collections.abc import Iterator

import pytest
from django.db import OperationalError, connection
from django.db.backends.postgresql.base import DatabaseWrapper as PostgresWrapper

pytestmark = pytest.mark.django_db


def test_the_postgresql_pool_checks_connections_before_handing_them_out():
    if connection.vendor != "postgresql":
        pytest.skip("the connection pool is PostgreSQL's")
    from psycopg_pool import ConnectionPool

    assert connection.settings_dict["CONN_HEALTH_CHECKS"] is True
    assert connection.pool._check is ConnectionPool.check_connection


def _own_pool(health_checks: bool) -> PostgresWrapper:
    """A second wrapper on the test database with its own pool (Django keeps pools per alias)
    and an application_name no other session has, so the test can find its backends."""
    settings_dict = {
        **connection.settings_dict,
        "CONN_HEALTH_CHECKS": health_checks,
        "OPTIONS": {
            **connection.settings_dict["OPTIONS"],
            "application_name": f"tandem-pool-test-{uuid.uuid4().hex}",
        },
    }
    return PostgresWrapper(settings_dict, alias=f"pool_health_{uuid.uuid4().hex[:8]}")


@pytest.fixture
def own_pool(request) -> Iterator[PostgresWrapper]:
    if connection.vendor != "postgresql":
        pytest.skip("the connection pool is PostgreSQL's")
    wrapper = _own_pool(request.param)
    try:
        yield wrapper
    finally:
        wrapper.close()
        wrapper.close_pool()


def _backend_pid(wrapper: PostgresWrapper) -> int:
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def _terminate_own_backends(wrapper: PostgresWrapper) -> int:
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


def _run_once_after_the_restart(wrapper: PostgresWrapper) -> int:
    pid_before = _backend_pid(wrapper)
    wrapper.close()  # back into the pool, idle, as between two requests
    assert _terminate_own_backends(wrapper) >= 1
    return pid_before


@pytest.mark.parametrize("own_pool", [True], indirect=True)
def test_a_request_after_the_server_dropped_the_pool_succeeds_first_time(own_pool):
    pid_before = _run_once_after_the_restart(own_pool)
    # The very next query, as the next request would make it, works; on a new backend.
    assert _backend_pid(own_pool) != pid_before


@pytest.mark.parametrize("own_pool", [False], indirect=True)
def test_without_the_check_the_pool_hands_out_a_dead_connection(own_pool):
    # What the check prevents (and so what the test above proves): the failure seen in
    # production.
    _run_once_after_the_restart(own_pool)
    with pytest.raises(OperationalError):
        _backend_pid(own_pool)
