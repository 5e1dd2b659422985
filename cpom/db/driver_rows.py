"""Many rows inserted through the database driver itself, for the projection's hot path.

SQLAlchemy's `insert(table)` with a list of rows runs its parameter machinery on every value of
every row: about 10 µs a row, a fifth of the CPU of a contract's first projection (its 70
agenda rows: 4.1 ms alone, 3.4 ms through the driver; issue 12). The rows here go to the
driver's `executemany` as plain tuples, which the driver stores as SQLAlchemy would: strings,
integers, booleans, and dates (SQLite's as the text "YYYY-MM-DD" SQLAlchemy reads back, by the
adapter `sqlite_dates` registers).
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

# The column types whose values the drivers store as SQLAlchemy does. Another type (a datetime,
# which SQLAlchemy writes in SQLite as text of its own format) needs its conversion first.
# (SQLModel's `AutoString` is a `String` whose length the dialect picks.)
_PLAIN = (AutoString, Boolean, Date, Integer, String)


def sqlite_dates() -> None:
    """Have the sqlite3 module store a date as SQLAlchemy's SQLite DATE does: ISO text. (It is
    what Python's default adapter did, deprecated since 3.12 for one registered this way.)"""
    sqlite3.register_adapter(date, date.isoformat)


@functools.cache
def _statement(dialect: Dialect, table: Table) -> tuple[str, Callable[[Mapping[str, Any]], Any]]:
    """The driver's INSERT of the columns of `table` (but the key the database numbers), and
    the function that picks a row's values in their order. (Cached by the engine's dialect, one
    per engine: its own quoting, without loading another dialect's modules.)"""
    preparer = dialect.identifier_preparer
    names: list[str] = []
    for column in table.columns:
        if column is table.autoincrement_column:
            continue
        if not isinstance(column.type, _PLAIN):
            raise TypeError(f"{table.name}.{column.name}: {column.type!r} has no driver conversion")
        names.append(column.name)
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    columns = ", ".join(preparer.quote(name) for name in names)
    marks = ", ".join(mark for _ in names)
    return f"INSERT INTO {preparer.quote(table.name)} ({columns}) VALUES ({marks})", itemgetter(
        *names
    )


def insert_rows(connection: Connection, table: Table, rows: Sequence[Mapping[str, object]]) -> None:
    """INSERT `rows` (each with every column of `table` but its generated key: no default
    applies) in one `executemany`, in the connection's transaction."""
    if not rows:
        return
    sql, values_of = _statement(connection.dialect, table)
    connection.exec_driver_sql(sql, [values_of(row) for row in rows])
