"""`cpom demo`: example contracts, one per sector preset, each at a point of its life that
shows what the service does: a contract at risk, a prorogation awaiting its answer, a
negotiation under way.
"""

from datetime import date
from typing import Any

from cpom.domain.date_law import add_months
from cpom.service import ActionRefused, ContractService

DEMO_ACTOR = "Démonstration (agent)"


def _add_years(day: date, years: int) -> date:
    return day.replace(year=day.year + years)


def demo_contracts(today: date) -> list[tuple[dict[str, Any], date | None]]:
    """(terms, declared up to date on) for each contract; None: a contract to negotiate.

    A SAD contract in its last weeks, imported without prorogation nor successor; an ARS one
    at mid-term, up to date; a State one whose negotiation starts today."""
    first_of_year = date(today.year, 1, 1)
    return [
        (
            {
                "reference": "DEMO-35-SAD",
                "preset": "sad",
                "effet": _add_years(first_of_year, -4).isoformat(),
                "duration_years": 5,
                "authority": {
                    "kind": "departement",
                    "name": "Département d'Ille-et-Vilaine",
                    "territory": "35",
                    "email": "cpom@departement-35.example",
                    "supervisor_email": "direction-autonomie@departement-35.example",
                },
                "gestionnaire": {
                    "raison_sociale": "SAD du Pays de Rennes",
                    "siren": "732829320",
                    "email": "direction@sad-rennes.example",
                },
            },
            add_months(today, -6),
        ),
        (
            {
                "reference": "DEMO-44-ESMS",
                "preset": "esms-ars",
                "effet": _add_years(first_of_year, -2).isoformat(),
                "duration_years": 5,
                "authority": {
                    "kind": "ars",
                    "name": "ARS Pays de la Loire",
                    "territory": "44",
                    "email": "cpom@ars-pdl.example",
                },
                "gestionnaire": {
                    "raison_sociale": "Association Handicap Loire-Atlantique",
                    "siren": "552100554",
                    "email": "siege@ahla.example",
                },
            },
            today,
        ),
        (
            {
                "reference": "DEMO-974-AHI",
                "preset": "ahi-etat",
                "effet": _add_years(first_of_year, 1).isoformat(),
                "duration_years": 5,
                "process_started_on": today.isoformat(),
                "authority": {
                    "kind": "etat",
                    "name": "Préfecture de La Réunion (DEETS)",
                    "territory": "974",
                    "email": "cpom@deets-974.example",
                },
                "gestionnaire": {
                    "raison_sociale": "CHRS de Saint-Denis",
                    "siren": "356000000",
                    "email": "direction@chrs-saint-denis.example",
                },
            },
            None,
        ),
    ]


async def load_demo(service: ContractService, today: date) -> list[str]:
    lines = []
    for terms, declared in demo_contracts(today):
        created = await service.create(
            terms, imported=declared is not None, declared_up_to_date_on=declared
        )
        state = "créé" if created.created else "déjà présent"
        lines.append(f"{created.reference} ({terms['preset']}) : {state}, phase {created.phase}")
    # The ARS contract's gestionnaire asks for a prorogation today: the authority has two
    # months to answer, after which silence is acceptance.
    try:
        result = await service.act(
            "DEMO-44-ESMS",
            "request_prorogation",
            {"requested_by": "gestionnaire", "received_on": today.isoformat()},
            actor=DEMO_ACTOR,
        )
        lines.append(f"DEMO-44-ESMS : demande de prorogation reçue ce jour, {result.message}")
    except ActionRefused as refused:
        lines.append(f"DEMO-44-ESMS : demande de prorogation déjà enregistrée ({refused})")
    return lines
