"""Django's PostgreSQL backend, subclassed (Django's documented way to change a backend) for one
thing: how its connection pool's connections are checked (settings: ENGINE, issue 16).

After a PostgreSQL restart the pool still holds connections the server has closed. Handing
those out failed up to 13 requests in a row on one node. psycopg_pool's own health check (what
Django's CONN_HEALTH_CHECKS turns on) tries each connection as it leaves the pool, but backs
off between failed checks within one request (0, 1, 2, 4 … seconds, to avoid a busy loop),
so a pool holding ten dead connections still failed the first two requests after a restart:
each met the dead ones one by one and gave up at the pool's 10 s wait (measured,
`core/tests/test_fault_pg_restart.py`). Django sets the pool's `check` itself, so another
cannot be configured; hence this subclass, with CONN_HEALTH_CHECKS off.

Here a connection taken from the pool is tried (the pool's own empty-query probe); if it is
dead, it goes back to the pool (which discards and replaces it) and every idle connection is
checked at once (`ConnectionPool.check()`, the pool's public answer to "the server dropped
us"), so the next one taken is alive: a new connection, made as soon as the server accepts
it. Without a pool (OPTIONS has no "pool") this is Django's backend unchanged.
"""

from __future__ import annotations

from typing import Any

from django.db.backends.postgresql import base
from psycopg import Connection
from psycopg import Error as PsycopgError
from psycopg_pool import ConnectionPool

# A dead connection makes the pool drop every dead idle one, so the second connection taken
# is new; a third attempt covers a server that went away again in between.
ATTEMPTS = 3


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params: dict[str, Any]) -> Connection[Any]:
        attempt = 1
        while True:
            connection: Connection[Any] = super().get_new_connection(conn_params)
            pool: ConnectionPool[Any] | None = self.pool
            if pool is None:
                return connection
            try:
                ConnectionPool.check_connection(connection)
            except PsycopgError:
                pool.putconn(connection)  # broken: the pool discards it and makes another
                if attempt == ATTEMPTS:
                    raise
                pool.check()
                attempt += 1
            else:
                return connection
