"""Which contracts a person may read, as conditions on the contracts' rows.

A gestionnaire reads its own contracts (by SIREN). An agent or a supervisor whose token is scoped
to an authority reads the contracts that authority signs, as the lead authority or as a
co-signatory (`contract_authority`); a national one reads them all. A contract out of reach does
not exist for the person: the routes answer 404, as for an unknown reference.
"""

from sqlalchemy import Connection, Engine, SQLColumnExpression, String, bindparam, exists
from sqlmodel import col, select
from sqlmodel.sql.expression import SelectOfScalar

from cpom.access import Principal
from cpom.db.models import ContractAuthorityRecord, ContractRecord


def references_of(authority: str) -> SelectOfScalar[str]:
    """The references of the contracts `authority` signs, lead or co-signing (one lookup on the
    index of keys), for the tables that name a contract by its reference."""
    return select(ContractAuthorityRecord.reference).where(
        col(ContractAuthorityRecord.authority_key) == authority
    )


def signed_by(authority: str) -> SQLColumnExpression[bool]:
    """The contracts `authority` signs."""
    return col(ContractRecord.reference).in_(references_of(authority))


def readable_by(owner_siren: str | None, authority: str | None) -> list[SQLColumnExpression[bool]]:
    """The conditions a contract's row meets to be read by a person of this reach."""
    conditions: list[SQLColumnExpression[bool]] = []
    if owner_siren:
        conditions.append(col(ContractRecord.gestionnaire_siren) == owner_siren)
    if authority:
        conditions.append(signed_by(authority))
    return conditions


def conditions_for(principal: Principal) -> list[SQLColumnExpression[bool]]:
    return readable_by(principal.owner_siren, principal.authority_scope)


def in_scope(bind: Engine | Connection, principal: Principal, reference: str) -> bool:
    """Whether the contract is within the person's authority (always, for a national person)."""
    authority = principal.authority_scope
    return authority is None or signs(bind, authority, reference)


def signs(bind: Engine | Connection, authority: str, reference: str) -> bool:
    """Whether `authority` signs the contract, lead or co-signing (on `bind`'s connection, or
    on one of its own for an engine)."""
    if isinstance(bind, Engine):
        with bind.connect() as connection:
            return signs(connection, authority, reference)
    return bool(bind.execute(_SIGNS, {"reference": reference, "authority": authority}).scalar())


_SIGNS = select(
    exists().where(
        col(ContractAuthorityRecord.reference) == bindparam("reference", type_=String),
        col(ContractAuthorityRecord.authority_key) == bindparam("authority", type_=String),
    )
)
