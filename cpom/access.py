"""Who may do what: bearer tokens held by named people, by role, stored hashed.

* agent: reads every contract and records every decision;
* supervisor: reads every contract, decides nothing;
* gestionnaire: reads only its own contracts (by SIREN) and submits its documents, its answers
  to a prorogation or to a proposed mutual dénonciation, its approval of a relevé de décisions
  and its requests for an authorisation (which only the authority answers).

Some decisions are taken in the name of one party of the contract, which the decision names
(`PARTY_FIELDS`); `Principal.decision_fields` says which party a person may act as.

A token of an agent or a supervisor may be scoped to one authority (`Authority.key`, as the
contracts' terms and CPOM_AUTHORITIES_FILE name it): its holder reads and acts on the contracts
that authority signs (as the lead authority or as a co-signatory) and on no other, and decides
in that authority's name only. Without a scope, a token is national: every contract (`cpom.tenancy`
turns the scope into conditions on the contracts' rows).

A token belongs to one person (name, email) and works through the end of its expiry date,
Europe/Paris time, unless revoked before. Tokens created before people were recorded have no
email and no expiry date, and keep working.
"""

import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import Connection, Engine, Row, String, bindparam, delete
from sqlalchemy import select as core_select
from sqlmodel import Session, SQLModel, col, select

from cpom.db.models import MAX_ROW_ID, ApiToken, DashboardSessionRecord
from cpom.domain.clock import local_date
from cpom.domain.date_law import anniversary
from cpom.domain.identifiers import siren_problem, text_problem
from cpom.domain.lifecycle import Party

MAX_NAME_LENGTH = 200
MAX_AUTHORITY_KEY_LENGTH = 80


class Role(StrEnum):
    AGENT = "agent"
    SUPERVISOR = "supervisor"
    GESTIONNAIRE = "gestionnaire"

    @property
    def label(self) -> str:
        """The French name of the role, as people read it."""
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.AGENT: "agent",
    Role.SUPERVISOR: "superviseur",
    Role.GESTIONNAIRE: "gestionnaire",
}
GESTIONNAIRE_ACTIONS = frozenset(
    {
        "submit_documents",
        "answer_prorogation",
        "approve_releve",
        "answer_denonciation",
        "request_authorisation",
    }
)
# The decisions naming which signing authority takes them (`authority`, its key).
AUTHORITY_FIELD = "authority"
NAMES_AUTHORITY = frozenset({"approve_releve", "request_prorogation", "answer_prorogation"})
# The decisions only the gestionnaire takes (an agent records its letter).
GESTIONNAIRE_ONLY = frozenset({"request_authorisation"})
# The field of each decision that names the party it is taken for.
PARTY_FIELDS = {
    "approve_releve": "party",
    "request_prorogation": "requested_by",
    "answer_prorogation": "answered_by",
    "denounce": "notified_by",
    "answer_denonciation": "answered_by",
    "request_authorisation": "requested_by",
    "answer_authorisation": "answered_by",
}


class PartyRefused(PermissionError):
    """A decision in the name of a party the person may not act as; the message is French."""


@dataclass(frozen=True)
class Principal:
    """The person behind a token."""

    name: str
    role: Role
    siren: str | None = None
    email: str | None = None
    token_id: int | None = None
    expires_on: date | None = None
    # The authority whose contracts alone an agent or a supervisor reads; None: national.
    authority: str | None = None

    @property
    def actor(self) -> str:
        """Who took a decision, as the journal records it and the dashboard shows it."""
        return f"{self.name} ({self.role.label})"

    @property
    def owner_siren(self) -> str | None:
        """The SIREN whose contracts alone this person may read, or None for all of them."""
        return self.siren if self.role is Role.GESTIONNAIRE else None

    @property
    def authority_scope(self) -> str | None:
        """The authority whose contracts alone this person may read, or None for all of them."""
        return self.authority if self.role is not Role.GESTIONNAIRE else None

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

    def decision_fields(
        self, action: str, fields: Mapping[str, Any], lead_authority: str = ""
    ) -> dict[str, Any]:
        """The fields of a decision `may_act` allows, with the party it is taken for.

        The party comes from who holds the token:
        * a gestionnaire acts as the gestionnaire party only: the field is set to it, and a
          decision naming the authority is refused (`PartyRefused`);
        * an agent acts for the authority, and also records the paper mail the back office
          receives from the gestionnaire (its request, its answer, its letter of dénonciation):
          it may name either party. Left unnamed, an answer is the other party's of the request
          it answers and a dénonciation the authority's (the workflow fills both in); who
          requests a prorogation or approves a relevé must be named;
        * a supervisor takes no decision (`may_act` refuses it before).

        An agent scoped to an authority decides for that authority only (`scoped_fields`).
        """
        name = PARTY_FIELDS.get(action)
        if self.authority_scope is not None and name is not None:
            return self.scoped_fields(action, name, fields, lead_authority)
        if name is None or self.role is not Role.GESTIONNAIRE:
            return dict(fields)
        if fields.get(name) == Party.AUTORITE.value:
            raise PartyRefused(
                f"un gestionnaire ne décide qu'en son propre nom : « {name} » ne peut être que "
                f"« {Party.GESTIONNAIRE.value} »"
            )
        return {**fields, name: Party.GESTIONNAIRE.value}

    def scoped_fields(
        self, action: str, party_field: str, fields: Mapping[str, Any], lead_authority: str
    ) -> dict[str, Any]:
        """A decision naming a party, by an agent of authority K on a contract `lead_authority`
        leads: taken in the authority's name, it is K's. Where the decision names its signing
        authority (`NAMES_AUTHORITY`), that is K, filled in, and another is refused; where it
        cannot name one (a dénonciation, an answer to an authorisation), it is the lead
        authority's, and only the lead authority's agents take it. The gestionnaire's mail is
        still recorded in the gestionnaire's name."""
        own = self.authority_scope
        assert own is not None
        named = fields.get(AUTHORITY_FIELD)
        if named not in (None, own):
            raise PartyRefused(
                f"un agent de l'autorité « {own} » ne décide qu'en son nom : « {AUTHORITY_FIELD} » "
                f"ne peut être que « {own} »"
            )
        party = fields.get(party_field)
        gestionnaires = party == Party.GESTIONNAIRE.value or action in GESTIONNAIRE_ONLY
        if gestionnaires or (party is None and own == lead_authority):
            # The gestionnaire's decision, or one the workflow gives to the lead authority or
            # to the gestionnaire (an answer left unnamed): the lead's agent may leave it so.
            return dict(fields)
        if action in NAMES_AUTHORITY:
            return {**fields, AUTHORITY_FIELD: own}
        if own != lead_authority:
            raise PartyRefused(
                f"cette décision est prise au nom de l'autorité chef de file « {lead_authority} » :"
                f" un agent de l'autorité « {own} » ne peut la prendre"
            )
        return dict(fields)


class TokenError(ValueError):
    """A token that cannot be created, explained in French."""


class UnknownToken(LookupError):
    def __init__(self, token_id: int) -> None:
        super().__init__(f"jeton n° {token_id} inconnu (voir « cpom token list »)")


TOKENS = SQLModel.metadata.tables["api_token"]
# Built once: making a statement and its cache key costs more than running it.
_BY_HASH = core_select(TOKENS).where(TOKENS.c.token_hash == bindparam("token_hash", type_=String))


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def paris_today() -> date:
    return local_date(datetime.now(UTC))


def _checked_email(email: str) -> str:
    try:
        # Syntax only: the address may sit behind a mail server this machine cannot reach.
        return validate_email(email.strip(), check_deliverability=False).normalized
    except EmailNotValidError:
        raise TokenError(
            f"adresse électronique « {email} » invalide (forme attendue : prenom.nom@domaine.fr)"
        ) from None


def _checked_authority(key: str) -> str:
    """An authority's key as the contracts' terms name it: `id` (« cd35 ») or kind (« ars »)."""
    if text_problem(key) is not None:
        raise TokenError("l'identifiant de l'autorité contient un caractère nul (U+0000)")
    stripped = key.strip()
    if not stripped or any(c.isspace() for c in stripped):
        raise TokenError(
            f"identifiant d'autorité « {key} » invalide : celui des termes des contrats "
            "(« id » de l'autorité, ou sa nature : departement, ars, etat), sans espace"
        )
    if len(stripped) > MAX_AUTHORITY_KEY_LENGTH:
        raise TokenError(
            f"l'identifiant de l'autorité dépasse {MAX_AUTHORITY_KEY_LENGTH} caractères"
        )
    return stripped


def create_token(
    engine: Engine,
    role: Role,
    name: str,
    siren: str | None = None,
    *,
    email: str,
    expires_on: date | None = None,
    authority: str | None = None,
) -> str:
    """A new token for a person, returned once in clear; only its hash is kept.

    It expires one year after today unless `expires_on` says otherwise; an agent's or a
    supervisor's reads only the contracts of `authority` (`Authority.key`) when one is given.
    """
    holder = " ".join(name.split())
    if text_problem(name) is not None:
        raise TokenError("le nom du titulaire contient un caractère nul (U+0000)")
    if not holder:
        raise TokenError("le nom du titulaire est obligatoire (--name)")
    if len(holder) > MAX_NAME_LENGTH:
        raise TokenError(f"le nom du titulaire dépasse {MAX_NAME_LENGTH} caractères")
    address = _checked_email(email)
    if role is Role.GESTIONNAIRE:
        if siren is None or siren_problem(siren) is not None:
            raise TokenError("un jeton gestionnaire demande un SIREN valide (--gestionnaire)")
        if authority is not None:
            raise TokenError(
                "un jeton gestionnaire lit les contrats de son SIREN : --authority ne s'emploie "
                "qu'avec --role agent ou supervisor"
            )
    elif siren is not None:
        raise TokenError("--gestionnaire ne s'emploie qu'avec --role gestionnaire")
    scope = _checked_authority(authority) if authority is not None else None
    today = paris_today()
    expiry = expires_on or anniversary(today, 1)
    if expiry < today:
        raise TokenError(
            f"la date d'expiration {expiry:%d/%m/%Y} est déjà passée "
            f"(au plus tôt aujourd'hui, {today:%d/%m/%Y})"
        )
    token = "cpom_" + secrets.token_urlsafe(32)
    with Session(engine) as session:
        session.add(
            ApiToken(
                name=holder,
                email=address,
                role=role.value,
                gestionnaire_siren=siren,
                authority_key=scope,
                token_hash=digest(token),
                created_at=datetime.now(UTC),
                expires_on=expiry,
            )
        )
        session.commit()
    return token


def principal_of(row: ApiToken | Row[Any], on: date | None = None) -> Principal | None:
    """The person holding `row`, or None when the token is revoked or expired on day `on`."""
    if row.revoked_at is not None:
        return None
    if row.expires_on is not None and row.expires_on < (on or paris_today()):
        return None
    return Principal(
        row.name,
        Role(row.role),
        row.gestionnaire_siren,
        email=row.email,
        token_id=row.id,
        expires_on=row.expires_on,
        authority=row.authority_key,
    )


def authenticate(engine: Engine, token: str, on: date | None = None) -> Principal | None:
    """The person holding `token`; None for an unknown, revoked or expired token."""
    with engine.connect() as connection:
        return authenticate_in(connection, token, on)


def authenticate_in(connection: Connection, token: str, on: date | None = None) -> Principal | None:
    """`authenticate` on an open connection, the one the request reads its answer on."""
    # Every request asks: a plain row from the unique index, no ORM object to validate.
    found = connection.execute(_BY_HASH, {"token_hash": digest(token)}).first()
    return None if found is None else principal_of(found, on)


def list_tokens(engine: Engine) -> list[ApiToken]:
    with Session(engine) as session:
        return list(session.exec(select(ApiToken).order_by(col(ApiToken.id))).all())


def revoke_token(engine: Engine, token_id: int) -> tuple[ApiToken, bool]:
    """Revoke a token; the row, and whether this call revoked it (false if it already was)."""
    if not 0 < token_id <= MAX_ROW_ID:  # no such id can exist; the database would overflow
        raise UnknownToken(token_id)
    with Session(engine) as session:
        row = session.get(ApiToken, token_id)
        if row is None:
            raise UnknownToken(token_id)
        if row.revoked_at is not None:
            return row, False
        row.revoked_at = datetime.now(UTC)
        session.add(row)
        # The dashboard sessions opened with it end with it (they would be refused anyway).
        session.connection().execute(
            delete(DashboardSessionRecord).where(col(DashboardSessionRecord.token_id) == token_id)
        )
        session.commit()
        session.refresh(row)
        return row, True
