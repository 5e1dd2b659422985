"""The `cpom` command line."""

from __future__ import annotations

import contextlib
import os
import sys

from cpom.cli import (
    calendar_command,
    db_command,
    import_command,
    projection_command,
    service_commands,
    simulate_command,
    token_command,
)
from cpom.cli.calendar_command import InputError
from cpom.cli.french_argparse import FrenchArgumentParser
from cpom.domain.terms_validation import InvalidTerms


def build_parser() -> FrenchArgumentParser:
    parser = FrenchArgumentParser(prog="cpom", description="Suivi des CPOM.")
    subparsers = parser.add_subparsers(title="commandes", metavar="COMMANDE", required=True)
    calendar_command.add_parser(subparsers)
    simulate_command.add_parser(subparsers)
    token_command.add_parser(subparsers)
    service_commands.add_parsers(subparsers)
    db_command.add_parser(subparsers)
    import_command.add_parser(subparsers)
    projection_command.add_parser(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args))
    except InvalidTerms as error:
        print("cpom : termes du contrat invalides :", file=sys.stderr)
        for problem in error.problems:
            print(f"  - {problem}", file=sys.stderr)
        return 2
    except InputError as error:
        print(f"cpom : erreur : {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # The reader (`head`, a pager) went away: not an error of ours.
        sys.stderr.close()
        return 0


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
