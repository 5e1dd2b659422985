"""`cpom token create|list|revoke`: the API's access tokens, each held by a named person."""

from __future__ import annotations

import argparse
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from cpom.cli.calendar_command import _date
from cpom.cli.input_files import InputError

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from cpom.db.models import ApiToken


def add_parser(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "token",
        help="jetons d'accès à l'API",
        description="Gère les jetons d'accès à l'API et au tableau de bord : chacun appartient "
        "à une personne nommée et expire à une date donnée.",
    )
    actions = parser.add_subparsers(title="actions", metavar="ACTION", required=True)
    create = actions.add_parser(
        "create",
        help="crée un jeton (affiché une seule fois)",
        description="Crée un jeton pour une personne et l'affiche une seule fois : seule son "
        "empreinte est conservée.",
    )
    create.add_argument(
        "--role",
        required=True,
        choices=["agent", "supervisor", "gestionnaire"],
        help="agent : agit ; supervisor : lit tout (ou son autorité) ; gestionnaire : ses contrats",
    )
    create.add_argument(
        "--name",
        required=True,
        metavar="NOM",
        help="nom du titulaire (« Marie Dupont »), repris dans le journal des décisions",
    )
    create.add_argument(
        "--email", required=True, metavar="COURRIEL", help="adresse électronique du titulaire"
    )
    create.add_argument("--gestionnaire", metavar="SIREN", help="SIREN du gestionnaire")
    create.add_argument(
        "--authority",
        metavar="AUTORITÉ",
        help="pour un agent ou un superviseur : l'identifiant de l'autorité (« id » de "
        "l'autorité dans les termes des contrats, ou sa nature : departement, ars, etat) dont il "
        "lit seul les contrats ; sans lui, le jeton est national",
    )
    create.add_argument(
        "--expires",
        type=_date,
        metavar="AAAA-MM-JJ",
        help="dernier jour de validité, heure de Paris (par défaut : dans un an)",
    )
    create.set_defaults(handler=run_create)
    listing = actions.add_parser("list", help="liste les jetons et leur état")
    listing.set_defaults(handler=run_list)
    revoke = actions.add_parser("revoke", help="révoque un jeton (il cesse aussitôt de servir)")
    revoke.add_argument("id", type=int, metavar="ID", help="numéro du jeton (cpom token list)")
    revoke.set_defaults(handler=run_revoke)


def _engine() -> Engine:
    from cpom.db.engine import engine_from
    from cpom.settings import get_settings

    return engine_from(get_settings())


def run_create(args: argparse.Namespace) -> int:
    from cpom.access import Role, TokenError, create_token

    try:
        token = create_token(
            _engine(),
            Role(args.role),
            args.name,
            args.gestionnaire,
            email=args.email,
            expires_on=args.expires,
            authority=args.authority,
        )
    except TokenError as error:
        raise InputError(str(error)) from None
    print(token)
    return 0


def run_list(_: argparse.Namespace) -> int:
    from cpom.access import list_tokens, paris_today

    rows = list_tokens(_engine())
    if not rows:
        print("Aucun jeton : en créer un avec « cpom token create ».")
        return 0
    print(tokens_table(rows, paris_today()))
    return 0


def run_revoke(args: argparse.Namespace) -> int:
    from cpom.access import UnknownToken, revoke_token

    try:
        row, revoked_now = revoke_token(_engine(), args.id)
    except UnknownToken as error:
        raise InputError(str(error)) from None
    assert row.revoked_at is not None
    when = _local_day(row.revoked_at)
    if revoked_now:
        print(f"Jeton n° {row.id} de {row.name} révoqué : il ne sert plus.")
    else:
        print(f"Jeton n° {row.id} de {row.name} déjà révoqué le {when:%d/%m/%Y} : rien n'a changé.")
    return 0


def _local_day(instant: datetime) -> date:
    from cpom.domain.clock import local_date

    return local_date(instant)


def state(row: ApiToken, today: date) -> str:
    if row.revoked_at is not None:
        return f"révoqué le {_local_day(row.revoked_at):%d/%m/%Y}"
    if row.expires_on is not None and row.expires_on < today:
        return f"expiré le {row.expires_on:%d/%m/%Y}"
    return "actif"


def tokens_table(rows: list[ApiToken], today: date) -> str:
    """The tokens as a plain-text table a person reads in a terminal."""
    from cpom.access import Role

    table = [("N°", "Nom", "Courriel", "Rôle", "SIREN", "Autorité", "Créé le", "Expire le", "État")]
    for row in rows:
        table.append(
            (
                str(row.id),
                row.name,
                row.email or "—",
                Role(row.role).label,
                row.gestionnaire_siren or "—",
                row.authority_key or ("—" if row.role == Role.GESTIONNAIRE else "nationale"),
                f"{_local_day(row.created_at):%d/%m/%Y}",
                f"{row.expires_on:%d/%m/%Y}" if row.expires_on else "jamais",
                state(row, today),
            )
        )
    widths = [max(len(line[i]) for line in table) for i in range(len(table[0]))]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)) for line in table
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(line.rstrip() for line in lines)
