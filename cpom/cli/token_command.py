"""`cpom token create --role agent|supervisor|gestionnaire [--gestionnaire SIREN]`."""

import argparse
from typing import Any

from cpom.cli.calendar_command import InputError


def add_parser(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "token", help="jetons d'accès à l'API", description="Gère les jetons d'accès à l'API."
    )
    actions = parser.add_subparsers(title="actions", metavar="ACTION", required=True)
    create = actions.add_parser("create", help="crée un jeton (affiché une seule fois)")
    create.add_argument(
        "--role",
        required=True,
        choices=["agent", "supervisor", "gestionnaire"],
        help="agent : agit ; supervisor : lit tout ; gestionnaire : ses contrats",
    )
    create.add_argument("--gestionnaire", metavar="SIREN", help="SIREN du gestionnaire")
    create.add_argument("--name", help="nom du titulaire, repris dans le journal des décisions")
    create.set_defaults(handler=run_create)


def run_create(args: argparse.Namespace) -> int:
    from cpom.access import Role, TokenError, create_token
    from cpom.db.engine import engine_from
    from cpom.settings import get_settings

    settings = get_settings()
    engine = engine_from(settings)
    try:
        token = create_token(engine, Role(args.role), args.name or args.role, args.gestionnaire)
    except TokenError as error:
        raise InputError(str(error)) from None
    print(token)
    return 0
