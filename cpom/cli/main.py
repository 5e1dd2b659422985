"""The `cpom` command line."""

from __future__ import annotations

import contextlib
import os
import sys

from cpom.cli import (
    calendar_command,
    db_command,
    import_command,
    presets_command,
    projection_command,
    service_commands,
    simulate_command,
    templates_command,
    token_command,
)
from cpom.cli.french_argparse import FrenchArgumentParser
from cpom.cli.input_files import InputError
from cpom.domain.terms_validation import InvalidTerms


def build_parser() -> FrenchArgumentParser:
    parser = FrenchArgumentParser(prog="cpom", description="Suivi des CPOM.")
    parser.add_argument(
        "--debug",
        action="store_true",
        help="en cas d'erreur inattendue, affiche la trace complète (pour signaler un défaut)",
    )
    subparsers = parser.add_subparsers(title="commandes", metavar="COMMANDE", required=True)
    calendar_command.add_parser(subparsers)
    simulate_command.add_parser(subparsers)
    token_command.add_parser(subparsers)
    service_commands.add_parsers(subparsers)
    db_command.add_parser(subparsers)
    import_command.add_parser(subparsers)
    projection_command.add_parser(subparsers)
    presets_command.add_parser(subparsers)
    templates_command.add_parser(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Runs a command; every input error ends here as a French message and status 2.

    An exception no command expected is a defect of cpom, not of the input: it gets status 1
    and one French line naming it, and `cpom --debug …` lets it through with its traceback.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args))
    except InvalidTerms as error:
        print("cpom : termes du contrat invalides :", file=sys.stderr)
        for invalid in error.problems:
            print(f"  - {invalid}", file=sys.stderr)
        return 2
    except InputError as error:
        print(f"cpom : erreur : {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # The reader (`head`, a pager) went away: not an error of ours.
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print("\ncpom : interrompu", file=sys.stderr)
        return 130
    except Exception as error:
        if (refused := settings_problems(error)) is not None:
            print("cpom : réglages invalides :", file=sys.stderr)
            for line in refused:
                print(f"  - {line}", file=sys.stderr)
            return 2
        if (database := database_problem(error)) is not None:
            print(f"cpom : erreur : {database}", file=sys.stderr)
            return 2
        if args.debug:
            raise
        print(
            f"cpom : erreur inattendue ({type(error).__name__} : {error}). Ce n'est pas une "
            "erreur de saisie : relancer la commande avec « cpom --debug … » pour afficher "
            "la trace complète, à joindre au signalement du défaut.",
            file=sys.stderr,
        )
        return 1


def settings_problems(error: Exception) -> list[str] | None:
    """The French lines for CPOM_ variables the settings refused, or None for another error."""
    pydantic = sys.modules.get("pydantic")  # loaded if the settings were read
    if pydantic is None or not isinstance(error, pydantic.ValidationError):
        return None
    if error.title != "Settings":
        return None
    lines = []
    for problem in error.errors():
        name = "CPOM_" + "_".join(str(part) for part in problem["loc"]).upper()
        if problem["type"] == "value_error":  # our own validators speak French
            expected = str(problem.get("ctx", {}).get("error", "valeur refusée"))
        else:
            expected = _EXPECTED.get(problem["type"], "valeur refusée")
        if problem["loc"] and problem["loc"][0] in SECRET_SETTINGS:
            lines.append(f"{name} : {expected}")  # the value refused is a secret
        else:
            lines.append(f"{name} : « {problem['input']} » : {expected}")
    return lines


def database_problem(error: Exception) -> str | None:
    """What is wrong with CPOM_DATABASE_URL or its server, or None for another error."""
    sqlalchemy = sys.modules.get("sqlalchemy.exc")  # loaded if a database was opened
    if sqlalchemy is None:
        return None
    if isinstance(error, sqlalchemy.ArgumentError):
        return "CPOM_DATABASE_URL n'est pas une URL SQLAlchemy (ex. sqlite:///data/cpom.db)"
    if isinstance(error, sqlalchemy.OperationalError):
        reason = str(error.orig).strip().splitlines()[0] if error.orig else ""
        return f"base de l'application injoignable ({reason}) : vérifier CPOM_DATABASE_URL"
    return None


SECRET_SETTINGS = frozenset({"encryption_keys", "smtp_password"})
# What a setting expects, by the kind of error pydantic reports.
_EXPECTED = {
    "int_parsing": "nombre entier attendu",
    "int_from_float": "nombre entier attendu",
    "float_parsing": "nombre attendu",
    "bool_parsing": "true ou false attendu",
    "greater_than": "nombre strictement positif attendu",
    "path_type": "chemin de dossier attendu",
}


def entry_point() -> None:
    """Console script: exits without the interpreter's teardown, which can abort on the
    Temporal SDK's runtime threads (sdk-python#300) once the work is done and flushed."""
    code = main()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a reader gone, a stream closed
            stream.flush()
    os._exit(code)


if __name__ == "__main__":
    entry_point()
