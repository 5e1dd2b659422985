"""Who each party is beyond the contract's terms: an authority's service, address, city, logo,
sender address, contact, signatory, the article of its name and before whom a recours
hiérarchique is made against its decisions; a gestionnaire's signatory and article. Documents
print them; notices go out from the authority's sender address, signed with its service and
contact.

They come from one configuration file (`CPOM_AUTHORITIES_FILE`, TOML, see `load`); an
authority's may be edited through the API, stored in the database over the file's entry
(`cpom.identity_overrides`). Without either, or for a party they do not list, a document leaves
a blank for the city and the signatory's name and title, to be filled in by hand, and notices go
out from `CPOM_MAIL_FROM`.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field, fields
from email.headerregistry import AddressHeader, HeaderRegistry
from pathlib import Path
from typing import Any, cast

from email_validator import EmailNotValidError, validate_email

from cpom.domain.identifiers import siren_problem, text_problem
from cpom.domain.terms import AuthorityKind
from cpom.french_articles import ARTICLES, article_of_name

# What a logo may be: the letterhead embeds it in the PDF as it is.
LOGO_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".svg"})
MAX_TEXT = 300


@dataclass(frozen=True, slots=True)
class Signatory:
    """« Mme Claire Martin », « Présidente du conseil départemental »."""

    name: str = ""
    title: str = ""


@dataclass(frozen=True, slots=True)
class AuthorityIdentity:
    signatory: Signatory = Signatory()
    # Where its acts are made: « Fait à Rennes, le … ».
    city: str = ""
    service: str = ""
    # The court its decisions are contested before: « le tribunal administratif de Rennes ».
    court: str = ""
    # Postal address, lines separated by newlines, printed under the letterhead.
    address: str = ""
    # The address its notices come from: « Direction de l'autonomie <cpom@ille-et-vilaine.fr> ».
    sender: str = ""
    # Whom a gestionnaire calls: « Mme Claire Martin, chargée de mission CPOM ».
    contact: str = ""
    phone: str = ""
    # An image file (PNG, JPEG or SVG), absolute once loaded.
    logo: Path | None = None
    # The article of its name (« le », « la », « l' », « les », "" for none): « pour le
    # Département… », « de l'ARS… ». None: its kind's (`DEFAULT_ARTICLES`).
    article: str | None = None
    # Before whom its decisions are contested by a recours hiérarchique, with the article: « le
    # ministre chargé de la santé ». "" for none (a Département's president has no hierarchical
    # superior); None: its kind's (`DEFAULT_SUPERIORS`).
    hierarchical_superior: str | None = None

    def article_for(self, kind: AuthorityKind, name: str = "") -> str:
        """Its own article; else the one its name's first word takes (« la Ville de Paris »,
        a Département's powers held by a city: found by probing, « le Ville de Paris »); else
        its kind's."""
        if self.article is not None:
            return self.article
        return article_of_name(name) or DEFAULT_ARTICLES[kind]

    def superior_for(self, kind: AuthorityKind) -> str:
        if self.hierarchical_superior is None:
            return DEFAULT_SUPERIORS[kind]
        return self.hierarchical_superior


# « le Département d'Ille-et-Vilaine », « l'Agence régionale de santé… » (« l'ARS… »), « la
# Préfecture… ».
DEFAULT_ARTICLES = {
    AuthorityKind.DEPARTEMENT: "le",
    AuthorityKind.ARS: "la",
    AuthorityKind.ETAT: "la",
}
# The president of a conseil départemental answers to no one (the département is a local
# authority, free to administer itself); an ARS's director general, to the minister in charge of
# health; a préfet, to the minister whose policy the decision applies.
DEFAULT_SUPERIORS = {
    AuthorityKind.DEPARTEMENT: "",
    AuthorityKind.ARS: "le ministre chargé de la santé",
    AuthorityKind.ETAT: "le ministre compétent",
}


@dataclass(frozen=True, slots=True)
class Identities:
    # By `Authority.key`.
    authorities: dict[str, AuthorityIdentity] = field(default_factory=dict)
    # By the gestionnaire's SIREN.
    gestionnaires: dict[str, Signatory] = field(default_factory=dict)
    # The article of a gestionnaire's name (« l' » association…), by SIREN; none by default.
    gestionnaire_articles: dict[str, str] = field(default_factory=dict)

    def authority(self, key: str) -> AuthorityIdentity:
        return self.authorities.get(key, AuthorityIdentity())

    def gestionnaire(self, siren: str | None) -> Signatory:
        return self.gestionnaires.get(siren or "", Signatory())

    def reading(self) -> AbstractContextManager[None]:
        """The span of one notice or document: identities that are read from elsewhere than
        the file are read once in it (`cpom.identity_overrides`); these need nothing."""
        return nullcontext()

    def gestionnaire_article(self, siren: str | None) -> str:
        return self.gestionnaire_articles.get(siren or "", "")


class InvalidIdentities(ValueError):
    """A configuration file that cannot be used, every problem named with its place."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        super().__init__(f"{path} : " + " ; ".join(problems))
        self.problems = problems


class InvalidAuthorityIdentity(ValueError):
    """An authority's identity sent through the API that cannot be used, every problem named."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(" ; ".join(problems))
        self.problems = problems


def _text(value: object, where: str, problems: list[str]) -> str:
    if not isinstance(value, str):
        problems.append(f"{where} : attendu un texte")
        return ""
    if (problem := text_problem(value)) is not None:
        problems.append(f"{where} : {problem}")
        return ""
    if len(value) > MAX_TEXT:
        problems.append(f"{where} : {MAX_TEXT} caractères au plus")
        return ""
    return value.strip()


def _table(value: object, where: str, problems: list[str]) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        problems.append(f"{where} : attendu une table (clé = valeur)")
        return {}
    return value


def _known_keys(
    table: Mapping[str, Any], allowed: set[str], where: str, problems: list[str]
) -> None:
    for key in table:
        if key not in allowed:
            problems.append(
                f"{where}.{key} : champ inconnu ; champs possibles : {', '.join(sorted(allowed))}"
            )


def _signatory(value: object, where: str, problems: list[str]) -> Signatory:
    table = _table(value, where, problems)
    _known_keys(table, {"name", "title"}, where, problems)
    return Signatory(
        _text(table.get("name", ""), f"{where}.name", problems),
        _text(table.get("title", ""), f"{where}.title", problems),
    )


def _sender(value: str, where: str, problems: list[str]) -> str:
    """« Service <adresse@domaine> » or the bare address, checked as an address, and written as
    the one address a message's From header reads (found by probing: a comma in the service's
    name, or a line break, made every notice of the authority fail for good)."""
    name, bracket, rest = value.rpartition("<")
    address = rest.strip().removesuffix(">").strip() if bracket else value.strip()
    refused = (
        f"{where} : « {value} » n'est pas une adresse d'expédition valide (forme attendue : "
        "Service <adresse@domaine.fr>)"
    )
    if "\r" in value or "\n" in value or (bracket and not rest.strip().endswith(">")):
        problems.append(refused)
        return ""
    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        problems.append(refused)
        return ""
    name = " ".join(name.split()).strip('"').strip()
    sender = f"{_quoted(name)} <{address}>" if name else address
    header = cast(AddressHeader, HeaderRegistry()("From", sender))
    if len(header.addresses) != 1 or header.addresses[0].addr_spec != address:
        problems.append(refused)
        return ""
    return sender


def _quoted(name: str) -> str:
    """A display name as a header holds it: quoted when it has a comma, a colon, an « @ »…"""
    if not any(special in name for special in _SPECIALS):
        return name
    escaped = name.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


# RFC 5322's specials: a display name holding one is a quoted string.
_SPECIALS = '()<>[]:;@\\,."'


def _logo(value: str, base: Path, where: str, problems: list[str]) -> Path | None:
    path = (base / value).resolve()
    if path.suffix.lower() not in LOGO_SUFFIXES:
        problems.append(f"{where} : le logo est une image PNG, JPEG ou SVG ({value})")
        return None
    if not path.is_file():
        problems.append(f"{where} : fichier introuvable ({path})")
        return None
    return path


def _article(value: object, where: str, problems: list[str]) -> str | None:
    if value is None or value in ARTICLES:
        return value if isinstance(value, str) else None
    problems.append(
        f"{where} : « {value} » n'est pas un article ; articles possibles : "
        + ", ".join(f"« {a} »" for a in ARTICLES if a)
        + " ou une chaîne vide (aucun article)"
    )
    return None


_AUTHORITY_FIELDS = {f.name for f in fields(AuthorityIdentity)}


def _authority(value: object, where: str, base: Path, problems: list[str]) -> AuthorityIdentity:
    table = _table(value, where, problems)
    _known_keys(table, _AUTHORITY_FIELDS, where, problems)
    texts = {
        name: _text(table.get(name, ""), f"{where}.{name}", problems)
        for name in ("city", "service", "court", "address", "sender", "contact", "phone")
    }
    if texts["sender"]:
        texts["sender"] = _sender(texts["sender"], f"{where}.sender", problems)
    logo = _text(table.get("logo", ""), f"{where}.logo", problems)
    article = _article(table.get("article"), f"{where}.article", problems)
    superior = table.get("hierarchical_superior")
    if superior is not None:
        superior = _text(superior, f"{where}.hierarchical_superior", problems)
    return AuthorityIdentity(
        signatory=_signatory(table.get("signatory", {}), f"{where}.signatory", problems),
        logo=_logo(logo, base, f"{where}.logo", problems) if logo else None,
        article=article,
        hierarchical_superior=superior,
        **texts,
    )


def parse_authority(key: str, raw: object) -> tuple[AuthorityIdentity, list[str]]:
    """One authority's identity as the file's `[authorities.KEY]` table gives it, but for its
    logo (an image on the servers' disk, only the file names it), and its problems, each with
    its place as the file's are named."""
    where = f"authorities.{key}"
    problems: list[str] = []
    if isinstance(raw, dict) and "logo" in raw:
        problems.append(f"{where}.logo : le logo se donne dans le fichier CPOM_AUTHORITIES_FILE")
        raw = {name: value for name, value in raw.items() if name != "logo"}
    return _authority(raw, where, Path(), problems), problems


def parse(raw: Mapping[str, Any], base: Path) -> tuple[Identities, list[str]]:
    """The identities of a configuration document, and its problems (each with its place);
    relative logo paths are read from `base`."""
    problems: list[str] = []
    _known_keys(raw, {"authorities", "gestionnaires"}, "", problems)
    authorities = {
        str(key): _authority(value, f"authorities.{key}", base, problems)
        for key, value in _table(raw.get("authorities", {}), "authorities", problems).items()
    }
    gestionnaires, articles = {}, {}
    for siren, value in _table(raw.get("gestionnaires", {}), "gestionnaires", problems).items():
        where = f"gestionnaires.{siren}"
        if (problem := siren_problem(str(siren))) is not None:
            problems.append(f"{where} : {problem}")
        table = _table(value, where, problems)
        _known_keys(table, {"signatory", "article"}, where, problems)
        gestionnaires[str(siren)] = _signatory(
            table.get("signatory", {}), f"{where}.signatory", problems
        )
        if article := _article(table.get("article"), f"{where}.article", problems):
            articles[str(siren)] = article
    problems = [p.removeprefix(".") for p in problems]
    return Identities(authorities, gestionnaires, articles), problems


def load(path: Path | None) -> Identities:
    """The identities of the configuration file; none without one. InvalidIdentities names
    every problem of a file that cannot be used, so that a service does not start on it."""
    if path is None:
        return Identities()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise InvalidIdentities(path, [f"fichier illisible ({error.strerror or error})"]) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise InvalidIdentities(path, [f"TOML invalide : {error}"]) from None
    identities, problems = parse(raw, path.parent)
    if problems:
        raise InvalidIdentities(path, problems)
    return identities
