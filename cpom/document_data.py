"""The structured data a document states, attached to its PDF as JSON: what archives and other
software read without parsing the French text."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from cpom.domain import legal_basis as legal
from cpom.domain.agenda import DocumentKind
from cpom.domain.terms import ContractTerms

# Version of the attached data's shape: readers check it before they read the rest.
SCHEMA = "cpom-document/1"
# Facts that hold one item a line: lists in the data, whatever their number of lines.
LIST_FACTS = frozenset({"participants", "decisions"})
# Facts of `who=JJ/MM/AAAA` lines (`cpom.domain.document_facts`).
DATED_FACTS = frozenset({"accepted_by", "approvals"})


def legal_bases(kind: DocumentKind, terms: ContractTerms) -> list[str]:
    """The texts a document rests on: the code's articles, then the contract's own clause."""
    rules = terms.rules
    if kind is DocumentKind.RELEVE_DE_DECISIONS:
        return [legal.CPOM_LAW[terms.sector], legal.follow_up_clause(rules)]
    bases = [legal.CPOM_DURATION, legal.CPOM_LAW[terms.sector], legal.prorogation_clause(rules)]
    if kind is DocumentKind.ATTESTATION_ACCEPTATION_TACITE:
        bases.append(legal.CPC_DEADLINE_TO_ACT)
    return bases


def fact_value(key: str, value: str) -> str | list[str] | list[dict[str, str]]:
    if key in DATED_FACTS:
        pairs = (line.partition("=") for line in value.splitlines())
        return [{"by": who, "on": iso(day)} for who, _, day in pairs]
    return value.splitlines() if key in LIST_FACTS else iso(value)


def iso(value: str) -> str:
    """A fact's French date (« 04/07/2028 ») as ISO 8601; any other text as it is."""
    try:
        return datetime.strptime(value, "%d/%m/%Y").date().isoformat()  # noqa: DTZ007 - a day
    except ValueError:
        return value


def document_data(
    kind: DocumentKind,
    title: str,
    terms: ContractTerms,
    facts: dict[str, str],
    document_date: date,
) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "document": {"kind": kind.value, "title": title, "date": document_date.isoformat()},
        "contract": {
            "reference": terms.reference,
            "sector": terms.sector.value,
            "signed_on": terms.signed_on.isoformat() if terms.signed_on else None,
            "effet": terms.effet.isoformat(),
            "echeance": terms.current_echeance.isoformat(),
        },
        "parties": {
            "authorities": [
                {
                    "id": a.key,
                    "kind": a.kind.value,
                    "role": a.role.value,
                    "name": a.name,
                    "siren": a.siren,
                }
                for a in terms.authorities
            ],
            "gestionnaire": {
                "name": terms.gestionnaire.raison_sociale,
                "siren": terms.gestionnaire.siren,
                "finess": terms.gestionnaire.finess,
            },
            "establishments": [
                {"finess": e.finess, "name": e.name, "category": e.category}
                for e in terms.establishments
            ],
        },
        "facts": {key: fact_value(key, value) for key, value in sorted(facts.items())},
        "legal_bases": legal_bases(kind, terms),
    }


def encoded(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=2).encode()
