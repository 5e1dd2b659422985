"""What a reader sees of a page or a letter, and the places where its French typography is broken
(the convention of `cpom.french_typography`: U+00A0 before « : ; ? ! » and inside guillemets)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

NBSP = "\u00a0"
# Not prose: web and mail addresses, hours and ratios.
_NOT_PROSE = re.compile(r"(?:[a-z][a-z0-9+.-]*://|mailto:|www\.)[^\s<>\"«»]+|\S+@\S+|\d:\d")
# A capital that French writes accented, where our texts could begin a sentence with it.
_UNACCENTED = re.compile(
    r"\bA (?=[a-zàâçéèêîôû])|\bE(?:tat|tabli|ch[eé]an|valu|quip|gal|cart|crit|l[eé]ment|tud"
    r"|ventu|lectr|mis|nonc)\w*"
)
_BLOCKS = {"p", "div", "h1", "h2", "h3", "li", "tr", "br", "hr", "header", "section", "ul", "ol"}
_HIDDEN = {"style", "script", "head"}


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self._hidden += 1
        elif tag in _BLOCKS:
            self.parts.append("\n")
        if tag == "a":
            self.links.append(dict(attrs).get("href") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self._hidden -= 1
        elif tag in _BLOCKS:
            self.parts.append("\n")
        elif tag in {"td", "th"}:
            self.parts.append(" | ")
        # Where a link leads, when it leaves the page's site (a letter's link).
        elif tag == "a" and self.links and "://" in (address := self.links.pop()):
            self.parts.append(f" <{address}>")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    """The text of a page as a reader sees it: one line a block (paragraph, item, row), spaces
    collapsed (no-break ones kept), a link to another site followed by its address."""
    reader = _Reader()
    reader.feed(html)
    lines = "".join(reader.parts).splitlines()
    collapsed = (re.sub(r"[ \t\r\n]+", " ", line).strip(" ") for line in lines)
    return "\n".join(line for line in collapsed if line) + "\n"


def typography_faults(text: str) -> list[str]:
    """Each place, with a few characters around it, where the text breaks French typography:
    « : ; ? ! » or « » » without a no-break space before, « « » without one after, ASCII double
    quotes, a capital left unaccented."""
    prose = _NOT_PROSE.sub(" ", text)
    found = [
        *re.finditer(rf"(?<!{NBSP})[:;?!»]", prose),
        *re.finditer(rf"«(?!{NBSP})", prose),
        *re.finditer(r'"', prose),
        *_UNACCENTED.finditer(prose),
    ]
    return [prose[max(m.start() - 12, 0) : m.end() + 12] for m in sorted(found, key=_start)]


def _start(match: re.Match[str]) -> int:
    return match.start()
