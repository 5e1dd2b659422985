"""Authorities' identities edited through the API (`PUT /authorities/{key}`), stored in the
database: each replaces the configuration file's entry for its key, but for the logo, which
only the file gives. Documents and notices read them when they are made, one row by its key,
so that an edit counts from the next one on, in every API and worker process."""

import json
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from cpom.db.models import AuthorityIdentityRecord
from cpom.identities import AuthorityIdentity, Identities, Signatory


@dataclass(frozen=True, slots=True)
class WithOverrides(Identities):
    """The file's identities, each authority's as last edited through the API if it was."""

    engine: Engine | None = None

    def authority(self, key: str) -> AuthorityIdentity:
        from_file = Identities.authority(self, key)
        stored = stored_identity(self.engine, key) if self.engine is not None else None
        return from_file if stored is None else replace(stored, logo=from_file.logo)


def with_overrides(identities: Identities, engine: Engine) -> WithOverrides:
    return WithOverrides(
        identities.authorities,
        identities.gestionnaires,
        identities.gestionnaire_articles,
        engine=engine,
    )


def stored_identity(engine: Engine, key: str) -> AuthorityIdentity | None:
    with Session(engine) as session:
        row = session.get(AuthorityIdentityRecord, key)
    if row is None:
        return None
    fields = json.loads(row.identity_json)
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
