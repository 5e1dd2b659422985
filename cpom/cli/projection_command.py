"""`cpom projection refresh`: every running contract projects its whole agenda again;
`cpom projection rebuild`: the read model written again from the workflows, after a restore."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import TYPE_CHECKING, Any

from cpom.cli.input_files import InputError

if TYPE_CHECKING:
    from cpom.projection_rebuild import Rebuilt


def add_parser(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "projection",
        help="base de lecture tenue par les workflows",
        description="La base que lisent l'API et le tableau de bord.",
    )
    actions = parser.add_subparsers(title="actions", metavar="ACTION", required=True)
    refresh = actions.add_parser(
        "refresh",
        help="chaque contrat en cours projette à nouveau tout son agenda",
        description="À lancer après « cpom db upgrade » quand une migration le demande : "
        "chaque contrat en cours réécrit aussitôt son agenda, sans attendre son prochain "
        "événement. Sans effet sur les contrats eux-mêmes ; peut être relancé.",
    )
    refresh.set_defaults(handler=run_refresh)
    rebuild = actions.add_parser(
        "rebuild",
        help="réécrit la base de lecture à partir des workflows (après une restauration)",
        description="Réécrit, pour chaque contrat connu de Temporal (en cours ou terminé), sa "
        "fiche, ses termes, son agenda, son journal, ses documents (produits à nouveau) et les "
        "avis envoyés (marqués envoyés : aucun message n'est renvoyé). N'écrase aucune ligne "
        "présente ; peut être relancé. Un worker doit tourner : il répond pour les contrats "
        "terminés. Voir « Sauvegarde, restauration, reconstruction » dans le README.",
    )
    rebuild.set_defaults(handler=run_rebuild)


def run_refresh(_: argparse.Namespace) -> int:
    from temporalio.service import RPCError

    from cpom.maintenance import refresh_projections
    from cpom.settings import get_settings
    from cpom.temporal_connection import connect

    settings = get_settings()

    def progress(count: int) -> None:
        print(
            f"\r▸ {count} contrat{'s' if count > 1 else ''} relancé{'s' if count > 1 else ''}",
            end="",
            file=sys.stderr,
            flush=True,
        )

    async def refresh() -> int:
        try:
            client = await connect(settings)
            return await refresh_projections(client, progress)
        except RuntimeError as error:  # `connect`'s, in French
            raise InputError(str(error)) from None
        except RPCError:
            raise InputError(
                f"Temporal injoignable sur {settings.temporal_address} : réessayer plus tard"
            ) from None

    count = asyncio.run(refresh())
    print(file=sys.stderr)
    print(
        f"{count} contrat{'s' if count != 1 else ''} en cours "
        f"projette{'nt' if count > 1 else ''} à nouveau {'leur' if count > 1 else 'son'} agenda"
    )
    return 0


def run_rebuild(_: argparse.Namespace) -> int:
    from datetime import timedelta

    from temporalio.service import RPCError

    from cpom.db.engine import engine_from
    from cpom.projection_rebuild import rebuild_projections
    from cpom.settings import get_settings
    from cpom.temporal_connection import connect
    from cpom.worker import renderer_from

    settings = get_settings()
    engine = engine_from(settings)

    def progress(count: int) -> None:
        s = "s" if count > 1 else ""
        print(f"\r▸ {count} contrat{s} reconstruit{s}", end="", file=sys.stderr, flush=True)

    async def rebuild() -> Rebuilt:
        try:
            client = await connect(settings)
            return await rebuild_projections(
                client,
                engine,
                renderer_from(settings, engine),
                progress,
                rpc_timeout=timedelta(seconds=settings.temporal_timeout_seconds),
            )
        except RuntimeError as error:  # `connect`'s, in French
            raise InputError(str(error)) from None
        except RPCError:
            raise InputError(
                f"Temporal injoignable sur {settings.temporal_address}, ou aucun worker ne "
                "répond : réessayer plus tard"
            ) from None

    try:
        rebuilt = asyncio.run(rebuild())
    finally:
        engine.dispose()
    print(file=sys.stderr)
    print(rebuilt_summary(rebuilt))
    for problem in rebuilt.problems:
        print(f"non reconstruit : {problem}", file=sys.stderr)
    return 1 if rebuilt.problems else 0


def rebuilt_summary(rebuilt: Rebuilt) -> str:
    """« 2 contrats reconstruits (3 exécutions relues) ; 2 documents produits à nouveau ; … »"""

    def counted(count: int, noun: str, participle: str) -> str:
        plural = count > 1
        return f"{count} {noun}{'s' if plural and not noun.endswith('s') else ''} " + (
            f"{participle}{'s' if plural else ''}"
        )

    s = "s" if rebuilt.notices > 1 else ""
    said = (
        f"{counted(rebuilt.contracts, 'contrat', 'reconstruit')} "
        f"({counted(rebuilt.runs, 'exécution', 'relue')}) ; "
        f"{counted(rebuilt.documents, 'document', 'produit')} à nouveau ; "
        f"{counted(rebuilt.notices, 'avis', 'rétabli')}"
    )
    return said + (f" (envoyé{s} avant, non renvoyé{s})" if rebuilt.notices else "")
