"""Who may do what: bearer tokens by role, stored hashed.

* agent: reads every contract and records every decision;
* supervisor: reads every contract, decides nothing;
* gestionnaire: reads only its own contracts (by SIREN) and submits its documents, its answers
  to a prorogation and its approval of a relevé de décisions.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import Engine
from sqlmodel import Session, select

from cpom.db.models import ApiToken
from cpom.domain.terms_validation import luhn_valid


class Role(StrEnum):
    AGENT = "agent"
    SUPERVISOR = "supervisor"
    GESTIONNAIRE = "gestionnaire"


GESTIONNAIRE_ACTIONS = frozenset({"submit_documents", "answer_prorogation", "approve_releve"})


@dataclass(frozen=True)
class Principal:
    name: str
    role: Role
    siren: str | None = None

    @property
    def actor(self) -> str:
        return f"{self.role.value}:{self.name}"

    def may_read(self, contract_siren: str | None) -> bool:
        return self.role is not Role.GESTIONNAIRE or contract_siren == self.siren

    def may_act(self, action: str, contract_siren: str | None) -> bool:
        if self.role is Role.AGENT:
            return True
        return (
            self.role is Role.GESTIONNAIRE
            and contract_siren == self.siren
            and action in GESTIONNAIRE_ACTIONS
        )


class TokenError(ValueError):
    """A token that cannot be created, explained in French."""


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(engine: Engine, role: Role, name: str, siren: str | None = None) -> str:
    """A new token, returned once in clear; only its hash is kept."""
    if role is Role.GESTIONNAIRE:
        if siren is None or not (len(siren) == 9 and siren.isdigit() and luhn_valid(siren)):
            raise TokenError("un jeton gestionnaire demande un SIREN valide (--gestionnaire)")
    elif siren is not None:
        raise TokenError("--gestionnaire ne s'emploie qu'avec --role gestionnaire")
    token = "cpom_" + secrets.token_urlsafe(32)
    with Session(engine) as session:
        session.add(
            ApiToken(
                name=name,
                role=role.value,
                gestionnaire_siren=siren,
                token_hash=_digest(token),
                created_at=datetime.now(UTC),
            )
        )
        session.commit()
    return token


def authenticate(engine: Engine, token: str) -> Principal | None:
    with Session(engine) as session:
        found = session.exec(select(ApiToken).where(ApiToken.token_hash == _digest(token))).first()
    if found is None or found.revoked_at is not None:
        return None
    return Principal(found.name, Role(found.role), found.gestionnaire_siren)
