"""Names with their article, as French writes them after a preposition: « le Département
d'Ille-et-Vilaine », « pour le Département », « auprès du Département », « de l'ARS Bretagne »,
« au ministre chargé de la santé ».

A name's article is « le », « la », « l' », « les » or none (a name used bare, as most
companies'); « le » and « la » are elided before a vowel (« l'ARS », « l'État »), « l' » is
for a name that begins with a mute « h ». A phrase that already begins with
its article (« le ministre chargé de la santé ») is contracted after « de » and « à » as it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ARTICLES = ("le", "la", "l'", "les", "")
# Elided before a vowel; an « h » is left to the person who writes the article as « l' ».
_VOWEL = re.compile(r"[aeiouyàâäéèêëîïôöùûü]", re.IGNORECASE)
_AFTER_DE = {"le ": "du ", "les ": "des ", "la ": "de la ", "l'": "de l'"}
_AFTER_A = {"le ": "au ", "les ": "aux ", "la ": "à la ", "l'": "à l'"}


# The article of the nouns an authority's name begins with: some hold the powers of another
# kind (« la Ville de Paris », « la Collectivité de Corse », « la Métropole de Lyon » hold a
# Département's).
_ARTICLE_OF_NOUN = {
    "agence": "la",
    "collectivité": "la",
    "communauté": "la",
    "conseil": "le",
    "département": "le",
    "direction": "la",
    "métropole": "la",
    "préfecture": "la",
    "préfet": "le",
    "région": "la",
    "ville": "la",
}


def article_of_name(name: str) -> str | None:
    """The article a name takes by its first word, if that word is a known noun: « la » for
    « Ville de Paris »; None for a name it does not tell (« ARS Bretagne », « Paris »)."""
    first = name.split(maxsplit=1)[0].casefold() if name.strip() else ""
    return _ARTICLE_OF_NOUN.get(first)


def with_article(name: str, article: str) -> str:
    """« le Département … », « l'ARS … », « Association … » (no article)."""
    if not article:
        return name
    if article == "l'" or (article in ("le", "la") and _VOWEL.match(name)):
        return f"l'{name}"
    return f"{article} {name}"


def _contracted(preposition: str, table: dict[str, str], phrase: str) -> str:
    for article, contracted in table.items():
        if phrase.startswith(article):
            return contracted + phrase.removeprefix(article)
    if preposition == "de" and _VOWEL.match(phrase):
        return f"d'{phrase}"
    return f"{preposition} {phrase}"


def of(phrase: str) -> str:
    """« de » and the phrase: « du Département », « de la Préfecture », « d'Association X »."""
    return _contracted("de", _AFTER_DE, phrase)


def to(phrase: str) -> str:
    """« à » and the phrase: « au Département », « à l'ARS », « aux ministres »."""
    return _contracted("à", _AFTER_A, phrase)


def capitalized(phrase: str) -> str:
    """The phrase beginning a sentence: « Le Département », « L'ARS »."""
    return phrase[:1].upper() + phrase[1:]


@dataclass(frozen=True, slots=True)
class Named:
    """A party's name and its article; printed alone, the bare name (a letterhead, a table)."""

    name: str
    article: str = ""

    def __str__(self) -> str:
        return self.name

    @property
    def the(self) -> str:
        return with_article(self.name, self.article)

    @property
    def of(self) -> str:
        return of(self.the)

    @property
    def to(self) -> str:
        return to(self.the)
