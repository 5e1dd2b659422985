"""Statements run through the database driver itself, for the hot paths of the projection and of
the notices' outbox.

SQLAlchemy's `insert(table)` with a list of rows runs its parameter machinery on every value of
every row: about 10 µs a row, a fifth of the CPU of a contract's first projection (its 70
agenda rows: 4.1 ms alone, 3.4 ms through the driver; issue 12). Each of its other statements
(an upsert, a delete, an update) costs 30 to 80 µs of compiling, caching and result handling
around the driver's own 10. The statements here go to the driver as SQL text built once per
table and dialect, their values as plain tuples, which the driver stores as SQLAlchemy would:
strings, integers, booleans and dates (SQLite's as the text "YYYY-MM-DD" SQLAlchemy reads back,
by the adapter `sqlite_dates` registers); any other type (a datetime) through the conversion
SQLAlchemy itself applies for the dialect.

The SQL is the part of the standard that SQLite (3.24 and later) and PostgreSQL share, `ON
CONFLICT` included.
"""

import functools
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from operator import itemgetter
from typing import Any

from sqlalchemy import Boolean, Connection, Date, Integer, String, Table
from sqlalchemy.engine import Dialect
from sqlmodel.sql.sqltypes import AutoString

# The column types whose values the drivers store as SQLAlchemy does, with no conversion.
# (SQLModel's `AutoString` is a `String` whose length the dialect picks.)
_PLAIN = (AutoString, Boolean, Date, Integer, String)

_ValuesOf = Callable[[Mapping[str, Any]], tuple[Any, ...]]


def sqlite_dates() -> None:
    """Have the sqlite3 module store a date as SQLAlchemy's SQLite DATE does: ISO text. (It is
    what Python's default adapter did, deprecated since 3.12 for one registered this way.)"""
    sqlite3.register_adapter(date, date.isoformat)


def insert_rows(
    connection: Connection,
    table: Table,
    rows: Sequence[Mapping[str, object]],
    *,
    unless_found: tuple[str, ...] = (),
) -> None:
    """INSERT `rows` (each with the same columns; one not given takes the database's default, or
    none: not SQLAlchemy's) in one `executemany`, in the connection's transaction; with
    `unless_found` (the columns of a unique constraint), a row whose values there are found
    already is left out."""
    if not rows:
        return
    sql, values_of = _insert(connection.dialect, table, tuple(rows[0]), unless_found)
    connection.exec_driver_sql(sql, [values_of(row) for row in rows])


def insert_values(
    connection: Connection, table: Table, names: tuple[str, ...], rows: Sequence[tuple[Any, ...]]
) -> None:
    """INSERT `rows`, each the values of the columns `names` in their order (of types the driver
    stores as SQLAlchemy does: no conversion), in one `executemany`. For the most rows, without
    a mapping built for each."""
    if not rows:
        return
    if any(_converters(connection.dialect, table, names)):
        raise TypeError(f"{table.name}: a column of {names} needs a conversion")
    sql, _ = _insert(connection.dialect, table, names, ())
    connection.exec_driver_sql(sql, list(rows))


def any_row(connection: Connection, table: Table, column: str, values: Sequence[object]) -> bool:
    """Whether a row of `table` has one of `values` in `column`: one indexed lookup, no row
    read (the common answer, where the rows are then written)."""
    sql = _any(connection.dialect, table, column, len(values))
    return connection.exec_driver_sql(sql, tuple(values)).first() is not None


def value_of(connection: Connection, table: Table, column: str, where: Mapping[str, object]) -> Any:
    """The value of `column` in the row whose columns equal `where` (a key: one row at most),
    or None without one. For a column the driver reads as SQLAlchemy does (text, numbers)."""
    sql, where_of = _value(connection.dialect, table, column, tuple(where))
    return connection.exec_driver_sql(sql, where_of(where)).scalar()


def upsert_row(
    connection: Connection, table: Table, row: Mapping[str, object], updated: tuple[str, ...]
) -> None:
    """INSERT `row` (as `insert_rows`), or UPDATE its `updated` columns in the row of the same
    primary key: one statement, without reading the row first."""
    sql, values_of = _upsert(connection.dialect, table, tuple(row), updated)
    connection.exec_driver_sql(sql, values_of(row))


def update_rows(
    connection: Connection,
    table: Table,
    where: Mapping[str, object],
    values: Mapping[str, object],
    *,
    unless: Mapping[str, object] | None = None,
) -> int:
    """UPDATE `values` in the rows whose columns equal `where` (and, with `unless`, differ from
    its values: columns that are never NULL); how many rows it changed."""
    unless = unless or {}
    sql, changed_of, where_of, unless_of = _update(
        connection.dialect, table, tuple(values), tuple(where), tuple(unless)
    )
    parameters = changed_of(values) + where_of(where) + unless_of(unless)
    return connection.exec_driver_sql(sql, parameters).rowcount


def delete_rows(connection: Connection, table: Table, rows: Sequence[Mapping[str, object]]) -> None:
    """DELETE, for each of `rows`, the rows whose columns equal its values (the same columns in
    each): one `executemany`."""
    if rows:
        sql, values_of = _delete(connection.dialect, table, tuple(rows[0]))
        connection.exec_driver_sql(sql, [values_of(row) for row in rows])


def _names(dialect: Dialect, names: Sequence[str]) -> list[str]:
    return [dialect.identifier_preparer.quote(name) for name in names]


def _mark(dialect: Dialect) -> str:
    return "?" if dialect.paramstyle == "qmark" else "%s"


@functools.cache
def _converters(
    dialect: Dialect, table: Table, names: tuple[str, ...]
) -> tuple[Callable[[Any], Any] | None, ...]:
    """For each column of `names`, the conversion SQLAlchemy applies to its values for the
    dialect, or None for a type the driver stores as SQLAlchemy does."""
    return tuple(
        None
        if isinstance(column_type := table.columns[name].type, _PLAIN)
        else column_type.dialect_impl(dialect).bind_processor(dialect)
        for name in names
    )


def _values_of(dialect: Dialect, table: Table, names: tuple[str, ...]) -> _ValuesOf:
    """The function that picks a row's values for `names`, in their order, as the driver takes
    them (converted as SQLAlchemy would, for a type the driver stores otherwise)."""
    converters = _converters(dialect, table, names)
    pick: _ValuesOf
    if not names:
        return lambda row: ()
    if len(names) == 1:
        (name,) = names

        def pick(row: Mapping[str, Any]) -> tuple[Any, ...]:
            return (row[name],)
    else:
        pick = itemgetter(*names)  # a tuple, as it picks several names
    if not any(converters):
        return pick
    return lambda row: tuple(
        value if convert is None or value is None else convert(value)
        for convert, value in zip(converters, pick(row), strict=True)
    )


@functools.cache
def _insert(
    dialect: Dialect, table: Table, names: tuple[str, ...], unless_found: tuple[str, ...]
) -> tuple[str, _ValuesOf]:
    # Cached by the engine's dialect, one per engine: its own quoting and parameter marks,
    # without loading another dialect's modules.
    sql = (
        f"INSERT INTO {dialect.identifier_preparer.quote(table.name)} "
        f"({', '.join(_names(dialect, names))}) VALUES ({', '.join(_mark(dialect) for _ in names)})"
    )
    if unless_found:
        sql += f" ON CONFLICT ({', '.join(_names(dialect, unless_found))}) DO NOTHING"
    return sql, _values_of(dialect, table, names)


@functools.cache
def _any(dialect: Dialect, table: Table, column: str, count: int) -> str:
    marks = ", ".join(_mark(dialect) for _ in range(count))
    return (
        f"SELECT 1 FROM {dialect.identifier_preparer.quote(table.name)} "
        f"WHERE {dialect.identifier_preparer.quote(column)} IN ({marks}) LIMIT 1"
    )


@functools.cache
def _value(
    dialect: Dialect, table: Table, column: str, where: tuple[str, ...]
) -> tuple[str, _ValuesOf]:
    if not isinstance(table.columns[column].type, _PLAIN):
        raise TypeError(f"{table.name}.{column} is read with a conversion")
    sql = (
        f"SELECT {dialect.identifier_preparer.quote(column)} FROM "
        f"{dialect.identifier_preparer.quote(table.name)} WHERE {_conditions(dialect, where)}"
    )
    return sql, _values_of(dialect, table, where)


@functools.cache
def _upsert(
    dialect: Dialect, table: Table, names: tuple[str, ...], updated: tuple[str, ...]
) -> tuple[str, _ValuesOf]:
    sql, values_of = _insert(dialect, table, names, ())
    key = _names(dialect, [c.name for c in table.primary_key.columns])
    changes = ", ".join(f"{name} = excluded.{name}" for name in _names(dialect, updated))
    return f"{sql} ON CONFLICT ({', '.join(key)}) DO UPDATE SET {changes}", values_of


def _conditions(dialect: Dialect, names: Sequence[str]) -> str:
    return " AND ".join(f"{name} = {_mark(dialect)}" for name in _names(dialect, names))


@functools.cache
def _update(
    dialect: Dialect,
    table: Table,
    changed: tuple[str, ...],
    where: tuple[str, ...],
    unless: tuple[str, ...],
) -> tuple[str, _ValuesOf, _ValuesOf, _ValuesOf]:
    # Each part's values picked apart: a column may be both changed and a condition.
    changes = ", ".join(f"{name} = {_mark(dialect)}" for name in _names(dialect, changed))
    sql = (
        f"UPDATE {dialect.identifier_preparer.quote(table.name)} SET {changes} "
        f"WHERE {_conditions(dialect, where)}"
    )
    for name in _names(dialect, unless):
        sql += f" AND {name} <> {_mark(dialect)}"
    return (
        sql,
        _values_of(dialect, table, changed),
        _values_of(dialect, table, where),
        _values_of(dialect, table, unless),
    )


@functools.cache
def _delete(dialect: Dialect, table: Table, where: tuple[str, ...]) -> tuple[str, _ValuesOf]:
    sql = f"DELETE FROM {dialect.identifier_preparer.quote(table.name)} WHERE "
    return sql + _conditions(dialect, where), _values_of(dialect, table, where)
