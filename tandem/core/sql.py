"""Hand-written SQL for hot paths, reading and writing model instances as the ORM would.

The ORM compiles every query again on each call. On the booking transaction that compilation
was three quarters of the CPU (measured: bench/README.md), so the statements of that path are
written by hand once. These helpers keep them honest: values are adapted and converted with
each field's and backend's own methods (an SQLite datetime comes back aware, a UUID as a
UUID), and instances come out through `Model.from_db`, exactly like a queryset's.

Nothing here sends model signals, so `insert` refuses a model that has a lifecycle receiver
(pre_init, post_init, pre_save, post_save): whatever such a receiver keeps in step would
silently go stale. `written_models()` names the models it wrote.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from django.core.exceptions import ImproperlyConfigured
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, Model
from django.db.models.expressions import Col
from django.db.models.signals import ModelSignal, post_init, post_save, pre_init, pre_save

M = TypeVar("M", bound=Model)
Converter = Callable[[Any, Any, BaseDatabaseWrapper], Any]

_insert_sql: dict[tuple[str, type[Model]], tuple[str, list[Field]]] = {}
_converters: dict[tuple[str, type[Model], str], list[tuple[Col, list[Converter]]]] = {}
_LIFECYCLE_SIGNALS: tuple[tuple[str, ModelSignal], ...] = (
    ("pre_init", pre_init),
    ("post_init", post_init),
    ("pre_save", pre_save),
    ("post_save", post_save),
)
_written: set[type[Model]] = set()


def written_models() -> frozenset[type[Model]]:
    """The models `insert` has written in this process."""
    return frozenset(_written)


def refuse_receivers(model: type[Model]) -> None:
    """Raise if `model` has a lifecycle receiver, which a hand-written INSERT would skip.

    Checked on every call (a few microseconds), so a receiver connected at any time is seen.
    """
    found = [name for name, signal in _LIFECYCLE_SIGNALS if signal.has_listeners(model)]
    if found:
        raise ImproperlyConfigured(
            f"{model._meta.label} has {', '.join(found)} receivers, which a hand-written "
            "INSERT skips: write it with the ORM (tandem/core/sql.py)."
        )
    _written.add(model)


def connection(using: str = "default") -> BaseDatabaseWrapper:
    return connections[using]


def qn(name: str, using: str = "default") -> str:
    return connections[using].ops.quote_name(name)


def instant(value: datetime, using: str = "default") -> Any:
    """A datetime parameter in the form the backend stores (naive UTC text on SQLite)."""
    return connections[using].ops.adapt_datetimefield_value(value)


def day(value: date, using: str = "default") -> Any:
    return connections[using].ops.adapt_datefield_value(value)


def param(model: type[Model], field_name: str, value: Any, using: str = "default") -> Any:
    """A parameter for `field_name` as the ORM would bind it (a UUID is hex text on SQLite)."""
    field = model._meta.get_field(field_name)
    return field.get_db_prep_value(value, connections[using], prepared=False)


def columns(model: type[Model], alias: str, using: str = "default") -> str:
    """The select list of every concrete column of `model`, for `ModelReader.build`."""
    return ", ".join(
        f"{qn(alias, using)}.{qn(f.column, using)}" for f in model._meta.concrete_fields
    )


class ModelReader:
    """Turns the `columns(model, alias)` part of a row into a model instance."""

    def __init__(self, model: type[M], alias: str) -> None:
        self.model = model
        self.alias = alias
        self.fields = list(model._meta.concrete_fields)
        self.names = [f.attname for f in self.fields]
        self.width = len(self.fields)

    def _converters(self, conn: BaseDatabaseWrapper) -> list[tuple[Col, list[Converter]]]:
        key = (conn.alias, self.model, self.alias)
        found = _converters.get(key)
        if found is None:
            found = []
            for f in self.fields:
                col = f.get_col(self.alias)
                found.append((col, conn.ops.get_db_converters(col) + col.get_db_converters(conn)))
            _converters[key] = found
        return found

    def build(self, values: Sequence[Any], using: str = "default") -> Model:
        conn = connections[using]
        converted = []
        for value, (col, converters) in zip(values, self._converters(conn), strict=True):
            for convert in converters:
                value = convert(value, col, conn)
            converted.append(value)
        return self.model.from_db(using, self.names, converted)


def convert(model: type[Model], field_name: str, value: Any, using: str = "default") -> Any:
    """One column value as the ORM would return it (aware datetimes on SQLite too)."""
    conn = connections[using]
    col = model._meta.get_field(field_name).get_col(model._meta.db_table)
    for converter in conn.ops.get_db_converters(col) + col.get_db_converters(conn):
        value = converter(value, col, conn)
    return value


def insert(obj: Model, using: str = "default") -> None:
    """INSERT `obj` (as save() would for a new row, without signals) and set its primary key."""
    refuse_receivers(type(obj))
    conn = connections[using]
    meta = obj._meta
    key = (using, type(obj))
    if key not in _insert_sql:
        fields = [
            f
            for f in meta.local_concrete_fields
            if f is not meta.auto_field and not getattr(f, "generated", False)
        ]
        names = ", ".join(qn(f.column, using) for f in fields)
        marks = ", ".join(["%s"] * len(fields))
        returning = f" RETURNING {qn(meta.pk.column, using)}" if meta.auto_field else ""
        sql = f"INSERT INTO {qn(meta.db_table, using)} ({names}) VALUES ({marks}){returning}"
        _insert_sql[key] = (sql, fields)
    sql, fields = _insert_sql[key]
    values = [f.get_db_prep_save(f.pre_save(obj, True), connection=conn) for f in fields]
    with cursor(using) as cursor_:
        cursor_.execute(sql, values)
        if meta.auto_field:
            setattr(obj, meta.pk.attname, cursor_.fetchone()[0])
    obj._state.adding = False
    obj._state.db = using


def cursor(using: str = "default") -> Any:
    """A cursor for hand-written statements.

    On PostgreSQL it binds parameters on the server (Django's default cursor interpolates
    them into the text in Python), so psycopg prepares a statement run again and again on a
    connection and the server skips parsing and planning it. Only statements written here
    use it: server-side binding is not safe for everything the ORM generates.
    """
    conn = connections[using]
    if conn.vendor != "postgresql":
        return conn.cursor()
    from django.db.backends.postgresql.base import ServerBindingCursor

    conn.close_if_health_check_failed()
    conn.ensure_connection()
    with conn.wrap_database_errors:
        return conn._prepare_cursor(ServerBindingCursor(conn.connection))


def fetch(sql: str, params: Sequence[Any], using: str = "default") -> list[tuple[Any, ...]]:
    with cursor(using) as cursor_:
        cursor_.execute(sql, params)
        return cursor_.fetchall()


def execute(sql: str, params: Sequence[Any], using: str = "default") -> int:
    """Run a statement; the number of rows it changed."""
    with cursor(using) as cursor_:
        cursor_.execute(sql, params)
        return cursor_.rowcount


def read_instant(value: Any) -> datetime:
    """A timestamp column read by hand: aware already on PostgreSQL; on SQLite naive UTC,
    as text or (for a plain column, which the driver parses) as a datetime."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def read_day(value: Any) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value
