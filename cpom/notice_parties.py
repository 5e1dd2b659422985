"""Which party each address of a notice belongs to: a notice goes out as one message per party,
so that each reads what it must do, and no party reads the other's addresses."""

from __future__ import annotations

from cpom.domain.terms import ContractTerms

GESTIONNAIRE, AUTORITE, SUPERVISEUR = "gestionnaire", "autorite", "superviseur"
PARTIES = (GESTIONNAIRE, AUTORITE, SUPERVISEUR)


def recipients_by_party(terms: ContractTerms, recipients: list[str]) -> dict[str, list[str]]:
    """The addresses by party, in the order of PARTIES, parties without address left out. An
    address both the authority's and its supervisor's is the authority's; one the terms no
    longer list, the authority's too (the workflow sent it). No address at all: one group
    without a party, whose notice is recorded as unsent."""
    if not recipients:
        return {"": []}
    gestionnaire = {terms.gestionnaire.email} - {None}
    authorities = {a.email for a in terms.authorities} - {None}
    supervisors = {terms.authority.supervisor_email} - {None} - authorities
    groups: dict[str, list[str]] = {party: [] for party in PARTIES}
    for address in recipients:
        if address in gestionnaire:
            groups[GESTIONNAIRE].append(address)
        elif address in supervisors:
            groups[SUPERVISEUR].append(address)
        else:
            groups[AUTORITE].append(address)
    return {party: found for party, found in groups.items() if found}
