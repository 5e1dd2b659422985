"""Plain factories for contract terms used across the tests."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from cpom.domain.date_law import echeance_after
from cpom.domain.presets import PRESETS
from cpom.domain.terms import Authority, ContractTerms, Gestionnaire, Sector

# The SAD annual documents (seed 001), written out so that a change of the preset shows.
SAD_ITEMS = [
    "synthese_fiches_objectifs",
    "rapport_activite",
    "bilan_financier",
    "compte_administratif",
    "tableau_depenses_recettes",
]


def make_terms(
    *,
    effet: date = date(2024, 1, 1),
    years: int = 5,
    sector: Sector = Sector.SAD,
    territory: str = "35",
    **changes: Any,
) -> ContractTerms:
    """Ille-et-Vilaine's 2024–2028 SAD CPOM (seed 001) unless told otherwise."""
    preset = PRESETS[sector]
    rule_changes = changes.pop("rules", {})
    return ContractTerms(
        reference="CPOM-35-SAD-2024",
        sector=sector,
        authority=Authority(preset.authority_kind, "Département d'Ille-et-Vilaine", territory),
        gestionnaire=Gestionnaire(
            "Association Aide à domicile 35", "direction@aad35.example", siren="732829320"
        ),
        effet=effet,
        duration_years=years,
        echeance=echeance_after(effet, years),
        rules=replace(preset.rules, **rule_changes),
        **changes,
    )
