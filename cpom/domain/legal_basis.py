"""The legal words of every basis people read: the contract's clause and the law.

A date shown to people gives its reason as a lawyer would: the article of the contract that sets
it and the text of law behind it (« art. 12 du CPOM ; CPC art. 641 et 642 »). The seed lines a
rule was drawn from are kept in `Basis.source`, for audit, and never shown as the reason.

Article numbers are the contract's own (`ContractRules.article_*`, preset from the model each
sector follows); when a contract does not number a clause, the clause is named instead.
"""

from __future__ import annotations

from cpom.domain.terms import ContractRules, Sector

# Delays counted from an event (the rule in words: date_law.EVENT_COUNT).
CPC_EVENT_COUNT = "CPC art. 640 à 642"
CPC_MONTHS = "CPC art. 640 et 641"
CPC_DEADLINE_TO_ACT = "CPC art. 641 et 642"

# The CPOM of each sector and the cap on its length.
CPOM_LAW = {
    Sector.SAD: "CASF art. L. 313-11-1",
    Sector.ESMS_ARS: "CASF art. L. 313-12-2",
    Sector.AHI_ETAT: "CASF art. L. 313-11-2",
}
CPOM_DURATION = "CASF art. L. 313-11"

# Money and budgets.
DOTATION_COMPLEMENTAIRE = "CASF art. L. 314-2-1"
CONTRADICTORY_PROCEDURE = "CASF art. L. 314-7"
COMPTE_ADMINISTRATIF = "CASF art. R. 314-49"
ERRD = "CASF art. R. 314-232"
EPRD = "CASF art. R. 314-210"
# The monthly payment of each sector's funding: the SAD's forfait is paid as its contract says;
# a dotation globale by twelfths on the 20th, or the last working day before it (R. 314-107, with
# monthly advances while unfixed: R. 314-108); a CPOM's dotation globalisée commune is paid
# under the same articles (R. 314-43-1).
FUNDING_LAW = {
    Sector.SAD: "",
    Sector.ESMS_ARS: "CASF art. R. 314-43-1 et R. 314-107",
    Sector.AHI_ETAT: "CASF art. R. 314-107",
}
# The yearly tarification act, and the budget proposals of the contradictory procedure.
TARIFICATION_LAW = {
    Sector.SAD: "CASF art. R. 314-36",
    Sector.ESMS_ARS: "CASF art. R. 314-36",
    Sector.AHI_ETAT: "CASF art. R. 314-36",
}
PROPOSALS_LAW = "CASF art. L. 314-7 et R. 314-3"
# What the annual documents rest on beside the contract, by the budget regime of each sector.
ANNUAL_DOCUMENTS_LAW = {
    Sector.SAD: COMPTE_ADMINISTRATIF,
    Sector.ESMS_ARS: ERRD,
    Sector.AHI_ETAT: COMPTE_ADMINISTRATIF,
}


def cite(*parts: str) -> str:
    """The parts of a basis, in order, without the empty ones."""
    return " ; ".join(part for part in parts if part)


def clause(article: str, name: str) -> str:
    """The contract's article (« art. 12 du CPOM »), or its clause by name when unnumbered."""
    return f"{article} du CPOM" if article else f"CPOM, clause {name}"


def clauses(first: str, second: str, name: str) -> str:
    """Two of the contract's articles cited together (« art. 12 et 16 du CPOM »)."""
    if not first or not second or first == second:
        return clause(first or second, name)
    head, _, number = second.partition(" ")
    if first.startswith(f"{head} ") and number:
        return f"{first} et {number} du CPOM"
    return f"{first} et {second} du CPOM"


def prorogation_clause(rules: ContractRules) -> str:
    return clause(rules.article_prorogation, "de prorogation")


def renegotiation_clause(rules: ContractRules) -> str:
    return clause(rules.article_renegotiation, "de renouvellement")


def duration_clause(rules: ContractRules) -> str:
    return clause(rules.article_duration, "de durée")


def follow_up_clause(rules: ContractRules) -> str:
    return clause(rules.article_follow_up, "de suivi et d'évaluation")


def denonciation_clause(rules: ContractRules) -> str:
    return clause(rules.article_denonciation, "de dénonciation")


def activity_report_clause(rules: ContractRules) -> str:
    return clause(rules.article_activity_report, "de suivi de l'activité")


def finances_clause(rules: ContractRules) -> str:
    return clause(rules.article_finances, "financière")
