"""`cpom simulate SCENARIO.json`: one contract's whole life on the time-skipping test server."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cpom import heap
from cpom.cli.input_files import InputError, read_document

if TYPE_CHECKING:
    from cpom.printing_process import PrintingProcess
    from cpom.scenario import Scenario
    from cpom.time_skipping_server import TimeSkippingServer


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


def load_scenario(path: Path) -> Scenario:
    from cpom.scenario import ScenarioError, scenario_from_mapping

    try:
        return scenario_from_mapping(read_document(path))
    except ScenarioError as error:
        raise InputError(str(error)) from None


@contextlib.contextmanager
def rarely_collected() -> Iterator[None]:
    """The cyclic garbage collector, quieter for the few seconds of a simulation.

    The modules a simulation imports hold a million objects that live as long as it does; each
    full collection went through them all: a tenth of its CPU went to collections that found
    little (issue 12). The imports run without the collector, their objects are then frozen out
    of its way (`gc.freeze`), and the run collects ten times less often. As it was on leaving:
    the tests run the command in their own process."""
    enabled, thresholds = gc.isenabled(), gc.get_threshold()
    gc.disable()
    try:
        # Imported here: the calendar command must not pay for Temporal and the database.
        import cpom.simulation  # noqa: F401

        # Not collected first: the imports ran without the collector, and the process is short.
        heap.settle(collect=False)
        if enabled:
            gc.enable()
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()
        if enabled:
            gc.enable()


def run(args: argparse.Namespace) -> int:
    # The scenario is read and checked first, without the simulation's modules; then the
    # printing process and the test server start, and are ready (WeasyPrint and pyHanko loaded
    # on another core) by the time this process has imported the simulation.
    scenario = load_scenario(args.scenario)
    from cpom.printing_process import PrintingProcess
    from cpom.time_skipping_server import TimeSkippingServer

    with PrintingProcess() as printer, TimeSkippingServer() as server, rarely_collected():
        return _run(args, scenario, printer, server)


def _run(
    args: argparse.Namespace,
    scenario: Scenario,
    printer: PrintingProcess,
    server: TimeSkippingServer,
) -> int:
    from cpom.simulation import simulate

    def progress(message: str) -> None:
        if not args.quiet:
            print(f"… {message}", file=sys.stderr, flush=True)

    progress(f"simulation de {scenario.terms.reference} à partir du {scenario.start:%d/%m/%Y}")
    result = asyncio.run(simulate(scenario, on_progress=progress, printer=printer, server=server))
    # The review closes the printout: it measures the contract as its life left it.
    for entry in [*sorted(result.log, key=lambda e: e["at"]), *result.review]:
        print(json.dumps(entry, ensure_ascii=False))
    progress(f"terminé : {len(result.log)} événements, {result.mails} courriels reçus")
    return 0
