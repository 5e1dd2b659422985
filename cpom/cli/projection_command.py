"""`cpom projection refresh`: every running contract projects its whole agenda again."""

import argparse
import asyncio
import sys
from typing import Any

from cpom.cli.input_files import InputError


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
        except (RuntimeError, RPCError) as error:
            raise InputError(
                f"Temporal injoignable sur {settings.temporal_address} : {error}"
            ) from None

    count = asyncio.run(refresh())
    print(file=sys.stderr)
    print(
        f"{count} contrat{'s' if count != 1 else ''} en cours "
        f"projette{'nt' if count > 1 else ''} à nouveau {'leur' if count > 1 else 'son'} agenda"
    )
    return 0
