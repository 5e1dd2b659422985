"""Pydantic's validation errors said in French, for the API's requests and for decisions.

Each error of pydantic has a type (`int_from_float`, `literal_error`…) and, for some, the bounds
or the values it expected (`ctx`); its own message is English and is never shown: a type not
listed here reads « valeur invalide ».
"""

import re
from collections.abc import Mapping
from typing import Any

_MESSAGES = {
    "missing": "champ obligatoire manquant",
    "extra_forbidden": "champ inconnu",
    "json_invalid": "JSON invalide",
    "json_type": "JSON attendu",
    "dict_type": "objet attendu",
    "model_type": "objet attendu",
    "model_attributes_type": "objet attendu",
    "dataclass_type": "objet attendu",
    "bool_parsing": "true ou false attendu",
    "bool_type": "true ou false attendu",
    "int_parsing": "nombre entier attendu",
    "int_type": "nombre entier attendu",
    "int_from_float": "nombre entier attendu, sans décimale",
    "int_parsing_size": "nombre entier trop grand",
    "float_parsing": "nombre attendu",
    "float_type": "nombre attendu",
    "finite_number": "nombre fini attendu",
    "decimal_parsing": "nombre attendu",
    "decimal_type": "nombre attendu",
    "date_parsing": "date attendue au format AAAA-MM-JJ",
    "date_type": "date attendue au format AAAA-MM-JJ",
    "date_from_datetime_parsing": "date attendue au format AAAA-MM-JJ",
    "date_from_datetime_inexact": "date sans heure attendue, au format AAAA-MM-JJ",
    "datetime_parsing": "date et heure attendues, au format AAAA-MM-JJTHH:MM:SS",
    "datetime_type": "date et heure attendues, au format AAAA-MM-JJTHH:MM:SS",
    "datetime_from_date_parsing": "date et heure attendues, au format AAAA-MM-JJTHH:MM:SS",
    "string_type": "texte attendu",
    "string_unicode": "texte attendu",
    "list_type": "liste attendue",
    "tuple_type": "liste attendue",
    "set_type": "liste attendue",
    "uuid_parsing": "identifiant (UUID) attendu",
    "uuid_type": "identifiant (UUID) attendu",
    "url_parsing": "adresse web attendue",
    "value_error": "valeur invalide",
}
# The bounds pydantic gives, said after the message of their type.
_BOUNDS = {
    "greater_than": ("valeur trop petite", "supérieure à {gt}"),
    "greater_than_equal": ("valeur trop petite", "au moins {ge}"),
    "less_than": ("valeur trop grande", "inférieure à {lt}"),
    "less_than_equal": ("valeur trop grande", "au plus {le}"),
    "string_too_short": ("texte trop court", "{min_length} caractères au moins"),
    "string_too_long": ("texte trop long", "{max_length} caractères au plus"),
    "too_short": ("liste trop courte", "{min_length} éléments au moins"),
    "too_long": ("liste trop longue", "{max_length} éléments au plus"),
}
_QUOTED = re.compile(r"'([^']*)'")


def french_message(error: Mapping[str, Any]) -> str:
    """What is wrong with the value of one of pydantic's `errors()`, in French."""
    kind = str(error.get("type", ""))
    context: Mapping[str, Any] = error.get("ctx") or {}
    if kind in ("enum", "literal_error"):
        return "valeur non prévue" + _expected(str(context.get("expected", "")))
    if kind in _BOUNDS:
        message, bound = _BOUNDS[kind]
        try:
            return f"{message} ({bound.format(**context)})"
        except (KeyError, IndexError):
            return message
    if kind == "string_pattern_mismatch":
        return "ne respecte pas la forme attendue"
    return _MESSAGES.get(kind, "valeur invalide")


def _expected(expected: str) -> str:
    """« (possibles : « a », « b » ou « c ») » from pydantic's "'a', 'b' or 'c'"."""
    values = [f"« {value} »" for value in _QUOTED.findall(expected)]
    if not values:
        return ""
    said = values[0] if len(values) == 1 else f"{', '.join(values[:-1])} ou {values[-1]}"
    return f" (possibles : {said})"
