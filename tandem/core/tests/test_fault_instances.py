"""The fault suite's private servers behave as the fault tests assume: data survives a clean
restart and a crash of PostgreSQL, clients see Redis go away and come back, and the shared
servers on 5432 and 6379 are never the ones touched."""

import psycopg
import pytest
import redis

pytestmark = pytest.mark.fault


def test_postgres_instance_restarts_with_its_data(pg_instance):
    assert pg_instance.port != 5432
    url = pg_instance.create_database("faults")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE t (n int)")
        conn.execute("INSERT INTO t VALUES (1)")
    pg_instance.restart(mode="immediate")
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT n FROM t").fetchall() == [(1,)]


def test_postgres_restart_drops_open_connections(pg_instance):
    conn = psycopg.connect(pg_instance.url(), autocommit=True)
    pg_instance.restart()
    with pytest.raises(psycopg.OperationalError):
        conn.execute("SELECT 1")
    conn.close()


def test_redis_instance_goes_away_and_comes_back(redis_instance):
    assert redis_instance.port != 6379
    client = redis.Redis.from_url(redis_instance.url(), socket_timeout=2)
    assert client.ping()
    redis_instance.stop()
    with pytest.raises(redis.ConnectionError):
        client.ping()
    redis_instance.start()
    assert client.ping()  # the client reconnects on its own
