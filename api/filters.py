"""The portfolio's filters as URL parameters, shared by the API, the exports and the dashboard."""

from dataclasses import dataclass
from datetime import date
from typing import Annotated

from fastapi import Query
from pydantic import BeforeValidator

from cpom.access import Principal
from cpom.domain.lifecycle import Phase
from cpom.domain.terms import Sector
from cpom.portfolio import Filters


@dataclass
class ListFilters:
    # Said as their values: an unknown one is refused (a French 422), not an empty list.
    phase: Annotated[
        Phase | None,
        BeforeValidator(lambda value: value or None),
        Query(description="Phase exacte (execution, bilan…)."),
    ] = None
    authority: Annotated[str | None, Query(description="Partie du nom de l'autorité.")] = None
    gestionnaire: Annotated[
        str | None, Query(description="Partie de la raison sociale, ou SIREN du gestionnaire.")
    ] = None
    sector: Annotated[
        Sector | None,
        BeforeValidator(lambda value: value or None),
        Query(description="sad, esms-ars ou ahi-etat."),
    ] = None
    deadline_before: Annotated[
        date | None,
        # An empty field of the dashboard's filter form means no filter.
        BeforeValidator(lambda value: value or None),
        Query(description="Prochain délai légal au plus tard ce jour (AAAA-MM-JJ)."),
    ] = None
    overdue: Annotated[
        bool,
        Query(
            description="Seulement les contrats en retard : une obligation non remplie après "
            "sa date (documents non reçus, dialogue non tenu, relevé non approuvé, réponse "
            "non donnée)."
        ),
    ] = False
    at_risk: Annotated[
        bool,
        Query(
            description="Seulement les contrats dont l'échéance approche sans prorogation "
            "ni successeur."
        ),
    ] = False
    q: Annotated[
        str | None,
        Query(
            max_length=100,
            description="Recherche : partie de la référence ou de la raison sociale, SIREN ou "
            "FINESS exact.",
        ),
    ] = None

    def for_(self, principal: Principal) -> Filters:
        """The filters a caller may apply: a gestionnaire only ever sees its own contracts, a
        person scoped to an authority that authority's."""
        return Filters(
            phase=self.phase or None,
            authority=self.authority or None,
            gestionnaire=self.gestionnaire or None,
            sector=self.sector or None,
            deadline_before=self.deadline_before,
            overdue=self.overdue,
            at_risk=self.at_risk,
            q=self.q or None,
            owner_siren=principal.owner_siren,
            scope_authority=principal.authority_scope,
        )
