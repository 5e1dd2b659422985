"""`cpom import FICHIER [--dry-run]`: contracts in force from a spreadsheet, into the service
started by `cpom up` (or the one the CPOM_ settings point at); `--template` writes the template.

Exit status 0 when every row is valid (and imported, unless --dry-run), 2 with the report of
every problem otherwise: then nothing has been created.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from cpom.cli.input_files import InputError, os_reason, read_bytes

if TYPE_CHECKING:
    from cpom.bulk_import import ImportPlan, Tally
    from cpom.settings import Settings


def add_parser(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "import",
        help="importe des contrats en cours depuis un tableau XLSX ou CSV",
        description="Importe des contrats en cours, une ligne par contrat. Chaque ligne est "
        "vérifiée d'abord : si une seule comporte une erreur, rien n'est créé et le rapport "
        "donne la ligne et la colonne de chaque problème. Un contrat déjà présent (même "
        "référence) n'est pas recréé.",
    )
    parser.add_argument(
        "file", nargs="?", type=Path, metavar="FICHIER", help="tableau XLSX ou CSV à importer"
    )
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="vérifie le fichier et dit ce qui serait créé, sans rien créer",
    )
    parser.add_argument(
        "--template",
        type=Path,
        metavar="MODELE",
        help="écrit le modèle à remplir dans MODELE (.xlsx, avec une feuille d'aide, ou .csv)",
    )
    parser.add_argument(
        "--examples", action="store_true", help="avec --template : ajoute deux lignes d'exemple"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from cpom.bulk_import import plan_import, problems_summary
    from cpom.import_template import write_template
    from cpom.service import today
    from cpom.settings import get_settings
    from cpom.spreadsheet import SpreadsheetError

    if args.template is not None:
        if args.file is not None or args.dry_run:
            raise InputError("--template s'emploie sans fichier à importer ni --dry-run")
        try:
            write_template(args.template, examples=args.examples)
        except SpreadsheetError as error:
            raise InputError(str(error)) from None
        except OSError as error:
            raise InputError(f"impossible d'écrire {args.template} : {os_reason(error)}") from None
        print(f"modèle écrit dans {args.template}")
        return 0
    if args.file is None:
        raise InputError("indiquer le FICHIER à importer (ou --template MODELE pour le modèle)")
    if args.examples:
        raise InputError("--examples s'emploie avec --template")
    name = args.file.name
    content = read_bytes(args.file)
    try:
        plan = plan_import(name, content, today())
    except SpreadsheetError as error:
        raise InputError(f"« {name} » : {error}") from None
    if not plan.valid:
        print(problems_summary(name, plan))
        for problem in plan.problems:
            print(problem)
        return 2
    settings = get_settings()
    if args.dry_run:
        return _dry_run(settings, name, plan)
    bar = ProgressBar(sys.stderr)
    tally = asyncio.run(_create(settings, plan, bar))
    print(imported(name, tally))
    return 0


def imported(name: str, tally: Tally) -> str:
    """« « f.csv » : 1 contrat importé : 1 créé, 0 déjà présent. »"""
    from cpom.bulk_import import count

    created = count(tally.created, "créé", "créés")
    present = count(tally.already_present, "déjà présent", "déjà présents")
    return (
        f"« {name} » : {count(tally.done, 'contrat importé', 'contrats importés')} : {created}, "
        f"{present}."
    )


def _dry_run(settings: Settings, name: str, plan: ImportPlan) -> int:
    from sqlalchemy.engine import make_url

    from cpom.bulk_import import DryRun, count, dry_run
    from cpom.db.engine import engine_from

    url = make_url(settings.effective_database_url())
    if url.get_backend_name() == "sqlite" and url.database and not Path(url.database).exists():
        # Checking writes nothing (found by probing: a wrong CPOM_DATA_DIR was created, with an
        # empty database in it): no database yet, no contract in it.
        print(
            f"base de données {url.database} absente (CPOM_DATA_DIR, CPOM_DATABASE_URL) : aucun "
            "contrat n'y figure encore",
            file=sys.stderr,
        )
        result = DryRun([(row, False) for row in plan.rows])
    else:
        result = dry_run(engine_from(settings), plan)
    already = count(result.already_present, "déjà présent", "déjà présents")
    print(
        f"« {name} » : toutes les lignes sont valides ; vérification seulement, rien n'a été "
        f"créé : {result.to_create} à créer, {already}."
    )
    for row, present in result.rows:
        state = "déjà présent" if present else "à créer"
        print(f"ligne {row.row} : {row.reference} ({row.gestionnaire}) : {state}")
    return 0


async def _create(settings: Settings, plan: ImportPlan, bar: ProgressBar) -> Tally:
    from cpom.bulk_import import count, create_contracts
    from cpom.db.engine import engine_from
    from cpom.service import ContractService, ServiceUnavailable
    from cpom.temporal_connection import connect

    try:
        client = await connect(settings)
    except RuntimeError as error:  # the client reports an unreachable server this way
        raise InputError(
            f"Temporal injoignable sur {settings.temporal_address} : lancer « cpom up »"
        ) from error
    service = ContractService.configured(client, engine_from(settings), settings)
    try:
        return await create_contracts(service, plan.rows, bar.update)
    except ServiceUnavailable:
        bar.stream.write("\n")
        done = count(bar.done, "contrat", "contrats")
        raise InputError(
            f"Temporal injoignable après {done} sur {len(plan.rows)} : relancer l'import du même "
            "fichier, il est idempotent (les contrats déjà créés ne le seront pas une seconde fois)"
        ) from None


class ProgressBar:
    """A carriage-return bar on standard error, redrawn when the percentage changes."""

    def __init__(self, stream: TextIO, width: int = 30) -> None:
        self.stream = stream
        self.width = width
        self.done = 0
        self._shown = -1

    async def update(self, tally: Tally) -> None:
        self.done = tally.done
        percent = tally.done * 100 // tally.total
        if percent == self._shown:
            return
        self._shown = percent
        filled = self.width * tally.done // tally.total
        bar = "#" * filled + "." * (self.width - filled)
        end = "\n" if tally.done == tally.total else ""
        self.stream.write(f"\rimport [{bar}] {percent:3d} % {tally.done}/{tally.total}{end}")
        self.stream.flush()
