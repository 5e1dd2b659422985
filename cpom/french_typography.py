"""French spacing of what people read, whoever wrote it: a template, an authority's own template,
the Python that words a fact, or a person typing a decision.

The convention, one for every letter, document and page: a no-break space (U+00A0) before « : »,
« ; », « ? » and « ! », after « « » and before « » ». U+00A0 rather than the narrow U+202F: every
mail client's font has it. Templates are written with ordinary spaces; `typeset` and
`typeset_html` put the no-break ones in when they are rendered, so an authority's own template
needs no invisible character either.

Left alone: web and mail addresses, hours and ratios (« 10:30 »), HTML tags with their
attributes, entities, style and script elements, and what a page gives back as typed
(textarea, pre, code). « n° » is kept with its number too, and an article of law with its
number (« article R. 421-1 »).
"""

from __future__ import annotations

import functools
import re

NBSP = "\u00a0"

# What is not French prose, kept as it is: addresses first, then hours (a colon between digits).
# An address's scheme is tried only where a run of its characters begins, and a mail address
# only where a word begins (the lookbehinds), each run read once: tried at every letter, a word
# of 100,000 letters that is no address took a minute to read, any text a person types (a name,
# a reason) going through here on its way to a notice or a page.
_PROTECTED = re.compile(
    r"(?<![a-z0-9+.-])[0-9+.-]*+(?P<scheme>[a-z][a-z0-9+.-]*+://[^\s<>\"«»]+)"
    r"|(?:mailto:|www\.)[^\s<>\"«»]+"
    r"|(?<!\S)\S[^\s@]*+@\S+"
    r"|\d:\d"
)
# Horizontal spaces only: a line break before punctuation stays where it is.
_SPACES = r"[^\S\n]*"
# After a word, or at the start of a piece of text that follows a tag or an address.
_BEFORE = re.compile(rf"(?:(?<=[^\s«])|^){_SPACES}([:;?!»])")
_AFTER = re.compile(rf"«{_SPACES}(?=\S)")
# « n° 12 », « article R. 421-1 » kept on one line.
_NUMERO = re.compile(rf"\b([nN]°){_SPACES}(?=\S)")
_ARTICLE = re.compile(rf"\b(art\.|articles?|[LRD]\.){_SPACES}(?=[LRD]\.|\d)")
# Markup whose text is not prose: tags (with their attributes), entities, comments, style and
# script; and text given back as typed: a form's textarea, code.
_MARKUP = re.compile(
    r"<(style|script|textarea|pre|code)\b.*?</\1\s*>|<!--.*?-->|<[^>]*>|&#?\w+;",
    re.DOTALL | re.IGNORECASE,
)


def _prose(text: str) -> str:
    text = _BEFORE.sub(lambda m: NBSP + m.group(1), text)
    text = _AFTER.sub("«" + NBSP, text)
    text = _NUMERO.sub(lambda m: m.group(1) + NBSP, text)
    return _ARTICLE.sub(lambda m: m.group(1) + NBSP, text)


# A page or a message is mostly its template's own text, the same from one to the next: each
# short piece (between two tags: a notice's text and HTML are some thirty) is spaced once for
# the process. A long text, a whole message, is its own and is spaced each time.
SHORT = 400


def typeset(text: str) -> str:
    """Plain text spaced as French prints it; idempotent."""
    return _typeset_short(text) if len(text) <= SHORT else _typeset(text)


def _typeset(text: str) -> str:
    parts, last = [], 0
    for found in _PROTECTED.finditer(text):
        # The digits or signs before an address's scheme are prose.
        start = found.start("scheme") if found.group("scheme") else found.start()
        parts += [_prose(text[last:start]), text[start : found.end()]]
        last = found.end()
    parts.append(_prose(text[last:]))
    return "".join(parts)


_typeset_short = functools.lru_cache(maxsize=2048)(_typeset)


def typeset_html(html: str) -> str:
    """An HTML page whose text is spaced as French prints it, its markup untouched."""
    parts, last = [], 0
    for found in _MARKUP.finditer(html):
        parts += [typeset(html[last : found.start()]), found.group()]
        last = found.end()
    parts.append(typeset(html[last:]))
    return "".join(parts)
