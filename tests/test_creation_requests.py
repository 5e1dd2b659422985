"""The digest of a contract's creating request (`cpom.creation_requests`), and its claims on
SQLite and PostgreSQL."""

from dataclasses import replace

from sqlalchemy import Engine

from cpom import creation_requests
from cpom.creation_requests import Claim
from cpom.domain.terms_input import created_contract_from_mapping
from tests.api.test_contracts_api import TERMS


def test_the_digest_is_that_of_the_request_as_understood() -> None:
    terms, objectives = created_contract_from_mapping(TERMS)
    respelled, _ = created_contract_from_mapping(dict(reversed(list(TERMS.items()))))
    same = creation_requests.digest(terms, objectives, True, None)
    assert creation_requests.digest(respelled, objectives, True, None) == same
    assert creation_requests.digest(terms, objectives, False, None) != same
    renamed = replace(terms, gestionnaire=replace(terms.gestionnaire, raison_sociale="Autre"))
    assert creation_requests.digest(renamed, objectives, True, None) != same


def test_a_claim_stores_the_first_digest_and_compares_the_next(engine: Engine) -> None:
    assert creation_requests.claim(engine, "CPOM-A", "a" * 64) is Claim.NEW
    assert creation_requests.claim(engine, "CPOM-A", "a" * 64) is Claim.SAME
    assert creation_requests.claim(engine, "CPOM-A", "b" * 64) is Claim.OTHER
    creation_requests.adopt(engine, "CPOM-A", "b" * 64)
    assert creation_requests.stored(engine, "CPOM-A") == "b" * 64
    creation_requests.forget(engine, "CPOM-A", "a" * 64)  # no longer its digest: kept
    assert creation_requests.stored(engine, "CPOM-A") == "b" * 64
    creation_requests.forget(engine, "CPOM-A", "b" * 64)
    assert creation_requests.stored(engine, "CPOM-A") is None
