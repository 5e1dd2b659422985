"""`cpom demo`: example contracts, one per sector preset, at different points of their life."""

from datetime import date
from typing import Any

from cpom.service import ContractService


def _add_years(day: date, years: int) -> date:
    return day.replace(year=day.year + years)


def demo_contracts(today: date) -> list[tuple[dict[str, Any], bool]]:
    """(terms, imported): a SAD contract in its last year, an ARS one at mid-term, a State one
    still in negotiation."""
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
                    "email": "cpom@departement-35.localhost",
                    "supervisor_email": "direction-autonomie@departement-35.localhost",
                },
                "gestionnaire": {
                    "raison_sociale": "SAD du Pays de Rennes",
                    "siren": "732829320",
                    "email": "direction@sad-rennes.localhost",
                },
            },
            True,
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
                    "email": "cpom@ars-pdl.localhost",
                },
                "gestionnaire": {
                    "raison_sociale": "Association Handicap Loire-Atlantique",
                    "siren": "552100554",
                    "email": "siege@ahla.localhost",
                },
            },
            True,
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
                    "email": "cpom@deets-974.localhost",
                },
                "gestionnaire": {
                    "raison_sociale": "CHRS de Saint-Denis",
                    "siren": "356000000",
                    "email": "direction@chrs-saint-denis.localhost",
                },
            },
            False,
        ),
    ]


async def load_demo(service: ContractService, today: date) -> list[str]:
    lines = []
    for terms, imported in demo_contracts(today):
        created = await service.create(terms, imported=imported)
        state = "créé" if created.created else "déjà présent"
        lines.append(f"{created.reference} ({terms['preset']}) : {state}, phase {created.phase}")
    return lines
