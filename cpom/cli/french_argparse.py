"""An argparse parser that speaks French to users and never prints a traceback."""

from __future__ import annotations

import argparse
import sys
from typing import NoReturn

_MESSAGES = {
    "usage: ": "usage : ",
    "%(prog)s: error: %(message)s\n": "%(prog)s : erreur : %(message)s\n",
    "argument %(argument_name)s: %(message)s": "option %(argument_name)s : %(message)s",
    "ambiguous option: %(option)s could match %(matches)s": (
        "option ambiguë : %(option)s peut désigner %(matches)s"
    ),
    "expected one argument": "une valeur est attendue",
    "expected at least one argument": "au moins une valeur est attendue",
    "expected at most one argument": "au plus une valeur est attendue",
    "invalid %(type)s value: %(value)r": "valeur %(value)r invalide",
    "invalid choice: %(value)r (choose from %(choices)s)": (
        "choix %(value)r invalide (possibles : %(choices)s)"
    ),
    "not allowed with argument %s": "incompatible avec l'option %s",
    "one of the arguments %s is required": "l'une des options %s est obligatoire",
    "options": "options",
    "positional arguments": "arguments",
    "show this help message and exit": "affiche cette aide et quitte",
    "the following arguments are required: %s": "arguments obligatoires manquants : %s",
    "unrecognized arguments: %s": "arguments non reconnus : %s",
}


def _french(message: str) -> str:
    return _MESSAGES.get(message, message)


# argparse looks its messages up through this module-level gettext alias.
argparse._ = _french  # type: ignore[attr-defined]


class FrenchArgumentParser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog} : erreur : {message}\n")
