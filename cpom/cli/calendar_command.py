"""`cpom calendar`: a contract's dated timeline as a table, JSON or an iCalendar file."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from cpom.cli.input_files import InputError, read_document, write_bytes
from cpom.domain.calendar import build_calendar, reply_window
from cpom.domain.date_law import ONE_DAY
from cpom.domain.terms import ContractTerms, Prorogation, Sector
from cpom.domain.terms_input import parse_date, terms_from_mapping
from cpom.domain.terms_validation import prorogue, warnings_of

DEFAULT_TERRITORY = "75"


def _date(value: str) -> date:
    try:
        return parse_date(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _positive_int(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"« {value} » n'est pas un nombre entier") from None


def add_parser(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "calendar",
        help="calendrier légal daté d'un CPOM",
        description="Calcule chaque échéance datée d'un CPOM, avec son fondement.",
    )
    parser.add_argument(
        "--terms",
        type=Path,
        metavar="FICHIER",
        help="termes du contrat (JSON ou TOML) ; les options ci-dessous priment",
    )
    parser.add_argument("--reference", help="référence du contrat (défaut : EXEMPLE)")
    parser.add_argument("--start", type=_date, metavar="AAAA-MM-JJ", help="date d'effet")
    parser.add_argument("--years", type=_positive_int, help="durée initiale en années (2 à 5)")
    parser.add_argument(
        "--preset", choices=[s.value for s in Sector], help="préréglage du secteur (défaut : sad)"
    )
    parser.add_argument(
        "--notice-months",
        type=_positive_int,
        help="préavis de notification d'une prorogation (6 ou 12 mois)",
    )
    parser.add_argument(
        "--reply-months", type=_positive_int, help="délai de réponse à une prorogation, en mois"
    )
    parser.add_argument("--territory", help=f"code du territoire (défaut : {DEFAULT_TERRITORY})")
    parser.add_argument("--signed-on", type=_date, metavar="AAAA-MM-JJ", help="date de signature")
    parser.add_argument(
        "--unsigned",
        action="store_true",
        help="contrat pas encore signé : ajoute les cibles de cadrage à signature",
    )
    parser.add_argument(
        "--process-start",
        type=_date,
        metavar="AAAA-MM-JJ",
        help="début de la démarche (cadrage) d'un contrat non signé",
    )
    parser.add_argument(
        "--notice-received-on",
        type=_date,
        metavar="AAAA-MM-JJ",
        help="réception prouvée d'une demande de prorogation",
    )
    answer = parser.add_mutually_exclusive_group()
    answer.add_argument(
        "--accepted-on",
        type=_date,
        metavar="AAAA-MM-JJ",
        help="prorogation acceptée expressément ce jour-là",
    )
    answer.add_argument(
        "--tacit", action="store_true", help="prorogation acquise faute de réponse dans le délai"
    )
    parser.add_argument(
        "--new-echeance",
        type=_date,
        metavar="AAAA-MM-JJ",
        help="échéance demandée (défaut : le plafond de 6 ans)",
    )
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="sortie JSON")
    output.add_argument("--ics", type=Path, metavar="FICHIER", help="écrit un fichier iCalendar")
    parser.set_defaults(handler=run)


def terms_mapping(args: argparse.Namespace) -> dict[str, Any]:
    """The terms document, with the command-line options laid over it."""
    raw = read_document(args.terms) if args.terms else {}
    if not args.terms:
        raw.setdefault("reference", "EXEMPLE")
        raw.setdefault("authority", {"territory": DEFAULT_TERRITORY})
        if args.start is None:
            raise InputError("indiquer la date d'effet (--start) ou un fichier de termes (--terms)")
        if args.years is None:
            raise InputError("indiquer la durée (--years) ou un fichier de termes (--terms)")
    overlay = {
        "reference": args.reference,
        "preset": args.preset,
        "effet": args.start,
        "duration_years": args.years,
        "signed_on": args.signed_on,
        "process_started_on": args.process_start,
    }
    raw.update({key: value for key, value in overlay.items() if value is not None})
    if args.unsigned or args.process_start:
        raw["signed"] = False
    if args.territory is not None:
        raw["authority"] = {**raw.get("authority", {}), "territory": args.territory}
    rules = {
        "prorogation_notice_months": args.notice_months,
        "prorogation_reply_months": args.reply_months,
    }
    rules = {key: value for key, value in rules.items() if value is not None}
    if rules:
        raw["rules"] = {**raw.get("rules", {}), **rules}
    return raw


def _with_answer(terms: ContractTerms, args: argparse.Namespace) -> ContractTerms:
    received = args.notice_received_on
    if received is None:
        raise InputError("--accepted-on et --tacit supposent --notice-received-on")
    window = reply_window(terms, received, terms.current_echeance)
    if args.tacit:
        if window.deadline is None:
            raise InputError("notification tardive : pas d'acceptation tacite possible")
        accepted_on = window.deadline.day + ONE_DAY
    else:
        accepted_on = args.accepted_on
    prorogation = Prorogation(
        notice_received_on=received,
        accepted_on=accepted_on,
        tacit=bool(args.tacit),
        new_echeance=args.new_echeance or terms.echeance_max,
    )
    return prorogue(terms, prorogation)


def run(args: argparse.Namespace) -> int:
    # Imported here: iCalendar is the calendar command's alone, and every command (`cpom
    # simulate` among them) imports this module to build the parser.
    from cpom.calendar_export import calendar_to_dict, calendar_to_ics, calendar_to_table

    terms = terms_from_mapping(terms_mapping(args))
    pending = args.notice_received_on
    if pending is not None and pending < terms.effet:
        # Found by probing: it was answered, its prorogation acquired before the contract began.
        raise InputError(
            f"--notice-received-on : une notification reçue le {pending:%d/%m/%Y} précède la "
            f"date d'effet du contrat ({terms.effet:%d/%m/%Y})"
        )
    if args.accepted_on or args.tacit:
        terms = _with_answer(terms, args)
        pending = None
    calendar = build_calendar(terms, pending)
    calendar = replace(calendar, warnings=(*warnings_of(terms), *calendar.warnings))
    if args.json:
        json.dump(calendar_to_dict(terms, calendar), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    elif args.ics:
        write_bytes(args.ics, calendar_to_ics(terms, calendar))
        print(f"{len(calendar.milestones)} jalons écrits dans {args.ics}")
    else:
        sys.stdout.write(calendar_to_table(terms, calendar))
    return 0
