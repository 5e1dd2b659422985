"""The identifiers people type: SIREN, SIRET, FINESS, email addresses, references, free text.

Each check answers None for a valid value or the French reason it is refused. SIREN and SIRET
are checked by python-stdnum, addresses by email-validator (syntax only: no DNS lookup, the
address may sit behind a mail server this machine cannot reach).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from email_validator import EmailNotValidError, validate_email
from stdnum import luhn
from stdnum.exceptions import ValidationError
from stdnum.fr import siren, siret

# A contract's reference is its business key: in addresses, file names and workflow ids.
REFERENCE_MAX_LENGTH = 64
REFERENCE_PATTERN = rf"^[A-Za-z0-9][A-Za-z0-9._-]{{0,{REFERENCE_MAX_LENGTH - 1}}}$"
REFERENCE_RULE = (
    f"1 à {REFERENCE_MAX_LENGTH} caractères parmi lettres sans accent, chiffres, « . », « _ » "
    "et « - », en commençant par une lettre ou un chiffre, sans espace"
)
_REFERENCE = re.compile(REFERENCE_PATTERN)
_ASCII_DIGITS = re.compile(r"[0-9]+")
_FINESS = re.compile(r"(?:[0-9]{2}|2A|2B)[0-9]{7}")
NUL_REFUSED = "caractère nul (U+0000) interdit"


def reference_problem(value: str) -> str | None:
    if _REFERENCE.fullmatch(value):
        return None
    return f"« {value} » : {REFERENCE_RULE}"


def siren_problem(value: str) -> str | None:
    """A SIREN: 9 ASCII digits with their Luhn key, and not the all-zero number."""
    return _number_problem(value, 9, siren.validate)


def siret_problem(value: str) -> str | None:
    """A SIRET: 14 ASCII digits with their key (La Poste's establishments included)."""
    return _number_problem(value, 14, siret.validate)


def _number_problem(value: str, length: int, validate: Callable[[str], str]) -> str | None:
    refused = f"« {value} » n'est pas un numéro valide ({length} chiffres, clé de Luhn)"
    # stdnum would accept spaces and Unicode digits it then cleans away; the stored value must
    # be the canonical one, and zeros only pass Luhn's test without naming anybody.
    if len(value) != length or not _ASCII_DIGITS.fullmatch(value) or not value.strip("0"):
        return refused
    try:
        validate(value)
    except ValidationError:
        return refused
    return None


def finess_valid(value: str) -> bool:
    """A FINESS number: two characters of département (2A and 2B in Corsica), six digits, and a
    Luhn key over the nine; 2A and 2B count as 20, Corsica's number before its division."""
    if not _FINESS.fullmatch(value) or not value.strip("0"):
        return False
    return luhn.is_valid("20" + value[2:] if value[:2] in ("2A", "2B") else value)


def finess_problem(value: str) -> str | None:
    if finess_valid(value):
        return None
    return (
        f"« {value} » n'est pas un numéro FINESS valide (9 caractères : département, dont 2A "
        "ou 2B, sept chiffres dont la clé de Luhn ; ex. 350000014)"
    )


def email_problem(value: str) -> str | None:
    """An address as people write it: prenom.nom@domaine.fr, without a display name."""
    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        return f"« {value} » n'est pas une adresse électronique valide (ex. prenom.nom@domaine.fr)"
    return None


def text_problem(value: str) -> str | None:
    """Free text refuses the NUL character: databases cannot store it and no one types it."""
    return NUL_REFUSED if "\x00" in value else None
