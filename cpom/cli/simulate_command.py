"""`cpom simulate SCENARIO.json`: one contract's whole life on the time-skipping test server."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from cpom.cli.input_files import InputError, read_document


def add_parser(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "simulate",
        help="simule la vie entière d'un contrat (serveur Temporal à saut de temps)",
        description="Fait vivre un contrat de bout en bout avec le vrai workflow, les vraies "
        "activités et les vrais gabarits ; imprime le journal daté, un objet JSON par ligne, "
        "puis la revue des objectifs du dernier exercice déclaré.",
    )
    parser.add_argument("scenario", type=Path, help="scénario JSON (termes et actions datées)")
    parser.add_argument("--quiet", action="store_true", help="sans progression sur stderr")
    parser.set_defaults(handler=run)


def load_scenario(path: Path) -> Any:
    from cpom.simulation import ScenarioError, scenario_from_mapping

    try:
        return scenario_from_mapping(read_document(path))
    except ScenarioError as error:
        raise InputError(str(error)) from None


def run(args: argparse.Namespace) -> int:
    # Imported here: the calendar command must not pay for Temporal and the database.
    from cpom.simulation import simulate

    scenario = load_scenario(args.scenario)

    def progress(message: str) -> None:
        if not args.quiet:
            print(f"… {message}", file=sys.stderr, flush=True)

    progress(f"simulation de {scenario.terms.reference} à partir du {scenario.start:%d/%m/%Y}")
    result = asyncio.run(simulate(scenario, on_progress=progress))
    # The review closes the printout: it measures the contract as its life left it.
    for entry in [*sorted(result.log, key=lambda e: e["at"]), *result.review]:
        print(json.dumps(entry, ensure_ascii=False))
    progress(f"terminé : {len(result.log)} événements, {result.mails} courriels reçus")
    return 0
