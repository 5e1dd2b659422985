"""Authorities' identities edited through the API (`PUT /authorities/{key}`), stored in the
database: each replaces the configuration file's entry for its key, but for the logo, which
only the file gives. Documents and notices read them when they are made, one row by its key,
so that an edit counts from the next one on, in every API and worker process."""

import json
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlmodel import Session, SQLModel, col, select

from cpom.db.driver_rows import value_of
from cpom.db.models import AuthorityIdentityRecord
from cpom.identities import AuthorityIdentity, Identities, Signatory


@dataclass(frozen=True, slots=True)
class WithOverrides(Identities):
    """The file's identities, each authority's as last edited through the API if it was."""

    engine: Engine | None = None

    def authority(self, key: str) -> AuthorityIdentity:
        from_file = Identities.authority(self, key)
        stored = self._stored(key)
        return from_file if stored is None else replace(stored, logo=from_file.logo)

    @contextmanager
    def reading(self) -> Iterator[None]:
        """One notice or document: each authority's row is read once in it, not at each of
        the dozen places its identity is printed. Within a span already open (every party's
        message of one notice), the rows already read serve."""
        if _read.get() is not None:
            yield
            return
        token = _read.set({})
        try:
            yield
        finally:
            _read.reset(token)

    def _stored(self, key: str) -> AuthorityIdentity | None:
        if self.engine is None:
            return None
        read = _read.get()
        if read is None:
            return stored_identity(self.engine, key)
        if key not in read:
            read[key] = stored_identity(self.engine, key)
        return read[key]


# The rows read in the current `reading()` span, by key (None: no row, the file's entry).
_read: ContextVar[dict[str, AuthorityIdentity | None] | None] = ContextVar(
    "identities_read", default=None
)


def with_overrides(identities: Identities, engine: Engine) -> WithOverrides:
    return WithOverrides(
        identities.authorities,
        identities.gestionnaires,
        identities.gestionnaire_articles,
        engine=engine,
    )


# Read for every notice and document: one column, through the driver.
_IDENTITIES = SQLModel.metadata.tables[AuthorityIdentityRecord.__tablename__]


def stored_identity(engine: Engine, key: str) -> AuthorityIdentity | None:
    with engine.connect() as connection:
        identity_json = value_of(connection, _IDENTITIES, "identity_json", {"key": key})
    if identity_json is None:
        return None
    fields = json.loads(identity_json)
    return AuthorityIdentity(signatory=Signatory(**fields.pop("signatory")), **fields)


def stored_keys(engine: Engine) -> set[str]:
    with Session(engine) as session:
        return set(session.exec(select(col(AuthorityIdentityRecord.key))).all())


def store(engine: Engine, key: str, identity: AuthorityIdentity, actor: str) -> None:
    """Keep `identity` (checked) as the authority's from now on."""
    fields = asdict(identity)
    fields.pop("logo")
    with Session(engine) as session:
        session.merge(
            AuthorityIdentityRecord(
                key=key,
                identity_json=json.dumps(fields, ensure_ascii=False),
                updated_at=datetime.now(UTC),
                updated_by=actor[:300],
            )
        )
        session.commit()
