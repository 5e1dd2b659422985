"""Files named on the command line: read, decoded and parsed, or an InputError saying in French
what is wrong with them. Every command reads and writes its files through here."""

from __future__ import annotations

import errno
import json
import re
import tomllib
from pathlib import Path
from typing import Any

# A terms file or a scenario is a few levels deep; anything deeper is a mistake (or an attack
# on the parser's recursion), refused before a parser or a message recurses through it.
MAX_DEPTH = 32
# Far above any terms file, scenario or spreadsheet of MAX_ROWS contracts; it stops `cpom` from
# reading /dev/zero or a disk image into memory.
MAX_BYTES = 64 * 1024 * 1024

_REASONS = {
    errno.ENOENT: "fichier introuvable",
    errno.EISDIR: "c'est un dossier, pas un fichier",
    errno.ENOTDIR: "un élément du chemin n'est pas un dossier",
    errno.EACCES: "accès refusé",
    errno.EPERM: "accès refusé",
    errno.ENOSPC: "plus de place sur le disque",
    errno.EROFS: "système de fichiers en lecture seule",
    errno.ENAMETOOLONG: "nom de fichier trop long",
    errno.EEXIST: "un fichier de ce nom existe déjà",
    errno.EADDRINUSE: "déjà pris par un autre programme",
    errno.EADDRNOTAVAIL: "adresse absente de cette machine",
}
_TOML_PLACE = re.compile(r"\(at line (\d+), column (\d+)\)")


class InputError(Exception):
    """Bad input from the user, reported in French without a traceback."""


def os_reason(error: OSError) -> str:
    """Why the system refused, in French for the usual cases, in its own words otherwise."""
    return _REASONS.get(error.errno or 0) or error.strerror or str(error)


def read_bytes(path: Path) -> bytes:
    try:
        if path.is_dir():  # open() reads some directories on some systems: say it plainly
            raise IsADirectoryError(errno.EISDIR, "is a directory")
        with path.open("rb") as file:
            content = file.read(MAX_BYTES + 1)
    except OSError as error:
        raise InputError(f"impossible de lire {path} : {os_reason(error)}") from None
    if len(content) > MAX_BYTES:
        raise InputError(f"{path} : fichier trop volumineux (plus de {MAX_BYTES // 2**20} Mio)")
    return content


def write_bytes(path: Path, content: bytes) -> None:
    try:
        path.write_bytes(content)
    except OSError as error:
        raise InputError(f"impossible d'écrire {path} : {os_reason(error)}") from None


def read_document(path: Path) -> dict[str, Any]:
    """A JSON (or, by its suffix, TOML) object, or an InputError saying what is wrong."""
    try:
        # utf-8-sig: the byte order mark some Windows editors write is not an error.
        text = read_bytes(path).decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputError(
            f"{path} n'est pas un texte UTF-8 (octet invalide en position {error.start}) : "
            "l'enregistrer en UTF-8"
        ) from None
    if not text.strip():
        raise InputError(f"{path} : le fichier est vide")
    loaded = _parse_toml(path, text) if path.suffix == ".toml" else _parse_json(path, text)
    if _depth(loaded) > MAX_DEPTH:
        raise InputError(_too_deep(path))
    if not isinstance(loaded, dict):
        raise InputError(f"{path} : le document doit être un objet")
    return loaded


def _too_deep(path: Path) -> str:
    return f"{path} : document trop imbriqué (plus de {MAX_DEPTH} niveaux)"


def _parse_json(path: Path, text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(
            f"{path} : JSON invalide (ligne {error.lineno}, colonne {error.colno})"
        ) from None
    except RecursionError:
        raise InputError(_too_deep(path)) from None
    except ValueError:  # an integer longer than Python converts (sys.get_int_max_str_digits)
        raise InputError(f"{path} : JSON invalide (nombre trop long)") from None


def _parse_toml(path: Path, text: str) -> Any:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        place = _TOML_PLACE.search(str(error))
        where = f" (ligne {place[1]}, colonne {place[2]})" if place else ""
        raise InputError(f"{path} : TOML invalide{where}") from None
    except RecursionError:
        raise InputError(_too_deep(path)) from None
    except ValueError:  # an integer longer than Python converts
        raise InputError(f"{path} : TOML invalide (nombre trop long)") from None


def _depth(document: Any) -> int:
    """How deeply lists and objects nest in `document`, without recursing."""
    deepest, stack = 0, [(document, 0)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            depth += 1
            deepest = max(deepest, depth)
            if depth > MAX_DEPTH:
                break
            stack.extend((item, depth) for item in _children(value))
    return deepest


def _children(value: dict[Any, Any] | list[Any]) -> list[Any]:
    return list(value.values()) if isinstance(value, dict) else value
