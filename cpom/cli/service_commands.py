"""`cpom up` (the whole service on this machine) and `cpom demo` (example contracts)."""

import argparse
import asyncio
from typing import Any

from cpom.cli.input_files import InputError


def add_parsers(subparsers: Any) -> None:
    up: argparse.ArgumentParser = subparsers.add_parser(
        "up",
        help="démarre tout le service sur cette machine",
        description="Serveur Temporal (avec son interface web), worker, API, tableau de bord "
        "et courrier local.",
        epilog=SETTINGS_EPILOG,
        formatter_class=SettingsHelpFormatter,
    )
    up.set_defaults(handler=run_up)
    demo: argparse.ArgumentParser = subparsers.add_parser(
        "demo",
        help="charge des contrats d'exemple dans le service démarré par « cpom up »",
    )
    demo.set_defaults(handler=run_demo)


SETTINGS_EPILOG = "CPOM_SETTINGS"


class SettingsHelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Puts the list of settings in place of SETTINGS_EPILOG when the help is shown: only
    then, so that other commands do not pay for importing the settings class."""

    def add_text(self, text: str | None) -> None:
        super().add_text(settings_help() if text == SETTINGS_EPILOG else text)


def settings_help() -> str:
    """The CPOM_ variables `cpom up` reads, with their defaults, from the settings class."""
    from cpom.settings import documented_settings

    rows = documented_settings()
    width = max(len(name) for name, _, _ in rows)
    lines = [
        f"  {name.ljust(width)}  {about} ; défaut : {default}" for name, default, about in rows
    ]
    return "réglages (variables d'environnement) :\n" + "\n".join(lines)


def run_up(_: argparse.Namespace) -> int:
    from cpom.settings import get_settings
    from cpom.stack import main

    return main(get_settings())


def run_demo(_: argparse.Namespace) -> int:
    from temporalio.service import RPCError

    from cpom.db.engine import engine_from
    from cpom.demo import load_demo
    from cpom.service import ContractService, ServiceUnavailable, today
    from cpom.settings import get_settings
    from cpom.temporal_connection import connect

    settings = get_settings()

    async def load() -> list[str]:
        try:
            client = await connect(settings)
        except RuntimeError as error:  # the client reports an unreachable server this way
            raise InputError(
                f"Temporal injoignable sur {settings.temporal_address} : lancer « cpom up »"
            ) from error
        service = ContractService.configured(client, engine_from(settings), settings)
        try:
            return await load_demo(service, today())
        except (RPCError, ServiceUnavailable) as error:
            raise InputError(f"Temporal injoignable : {error}") from None

    for line in asyncio.run(load()):
        print(line)
    return 0
