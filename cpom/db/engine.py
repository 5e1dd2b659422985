"""Database engine from settings; the schema is migrated to the current version."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, event
from sqlmodel import SQLModel, create_engine

from cpom.db.driver_rows import sqlite_dates
from cpom.settings import Settings


def make_engine(url: str, *, migrate: bool = True, durable: bool = True) -> Engine:
    """An engine on `url`; its schema is brought up to date unless `migrate` is false (a
    deployment that runs `cpom db upgrade` as a step of its own). A SQLite database that is not
    `durable` has nothing to keep after a crash: its commits do not wait for the disk."""
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        sqlite_dates()  # for the rows the projection inserts through the driver
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(connection, _record):  # type: ignore[no-untyped-def]
            # WAL lets the API read while the worker writes.
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            if not durable:
                cursor.execute("PRAGMA synchronous=OFF")
            cursor.close()
    else:
        engine = create_engine(url, pool_pre_ping=True)
    if migrate:
        # Imported here: Alembic (and Mako) cost a tenth of a second that a throwaway database
        # (`throwaway_engine`) does not pay.
        from alembic import command

        from cpom.db.migrate import alembic_config

        with engine.begin() as connection:
            config = alembic_config(url)
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    return engine


def throwaway_engine(url: str) -> Engine:
    """An engine on the new, empty database `url`, its tables created from the models: the
    schema the migrations build (tests/test_migrations.py compares them), in a third of the time,
    without Alembic. Its database has no migration history: for a database deleted after use
    (`cpom simulate`'s), never one a later `cpom db upgrade` would find."""
    from cpom.db import models  # noqa: F401  (registers the tables)

    engine = make_engine(url, migrate=False, durable=False)
    SQLModel.metadata.create_all(engine)
    return engine


def engine_from(settings: Settings) -> Engine:
    """The engine a process of the service uses, as its settings describe it."""
    return make_engine(settings.effective_database_url(), migrate=settings.migrate_on_start)
