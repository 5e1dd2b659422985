"""Database engine from settings; the schema is migrated to the current version."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import Engine, event
from sqlmodel import create_engine

from cpom.db.migrate import alembic_config
from cpom.settings import Settings


def make_engine(url: str, *, migrate: bool = True) -> Engine:
    """An engine on `url`; its schema is brought up to date unless `migrate` is false (a
    deployment that runs `cpom db upgrade` as a step of its own)."""
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(connection, _record):  # type: ignore[no-untyped-def]
            # WAL lets the API read while the worker writes.
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()
    else:
        engine = create_engine(url, pool_pre_ping=True)
    if migrate:
        with engine.begin() as connection:
            config = alembic_config(url)
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    return engine


def engine_from(settings: Settings) -> Engine:
    """The engine a process of the service uses, as its settings describe it."""
    return make_engine(settings.effective_database_url(), migrate=settings.migrate_on_start)
