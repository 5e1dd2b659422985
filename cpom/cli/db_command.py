"""`cpom db upgrade`: bring the application database to the current schema (Alembic)."""

import argparse
from typing import Any


def add_parser(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "db", help="base de données de l'application", description="Migrations du schéma."
    )
    actions = parser.add_subparsers(title="actions", metavar="ACTION", required=True)
    upgrade = actions.add_parser("upgrade", help="applique les migrations en attente")
    upgrade.set_defaults(handler=run_upgrade)


def run_upgrade(_: argparse.Namespace) -> int:
    from cpom.db.migrate import upgrade
    from cpom.settings import get_settings

    url = get_settings().effective_database_url()
    upgrade(url)
    print(f"schéma à jour : {url.split('@')[-1]}")
    return 0
