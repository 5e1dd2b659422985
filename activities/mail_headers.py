"""The email policy of the notices: the standard one, with headers made and folded once.

The standard library parses every header a message is given (the `Content-Type`,
`Content-Transfer-Encoding` and `MIME-Version` of each part included) and folds each again when
the message is written. Most of those headers are the same from one notice to the next (the
parts' headers, the sender, the kind of notice): each is made once, from the same registry of
header classes, and keeps the lines it folds to. The messages are the same, byte for byte, but
for a subject outside ASCII (`Subject`); a notice's sending went from 13.9 to 11.0 ms of CPU (its
outbox, rendering, message and SMTP exchange with a local server, issue 12).
"""

from __future__ import annotations

import functools
from email.header import Header
from email.headerregistry import BaseHeader, HeaderRegistry, UnstructuredHeader
from email.policy import default
from typing import Any

# The headers kept for reuse: the parts' few, the senders', the kinds', and room for the ones
# each message has of its own (subject, recipients, Message-ID), which pass through.
KEPT = 256


class FoldedOnce(BaseHeader):
    """A header that keeps the lines it folds to, for each way of writing it."""

    def fold(self, *, policy: Any) -> str:
        key = (policy.linesep, policy.utf8, policy.max_line_length)
        folded: dict[tuple[object, ...], str] = self.__dict__.setdefault("_folded", {})
        if key not in folded:
            folded[key] = super().fold(policy=policy)
        return folded[key]


class Subject(UnstructuredHeader, BaseHeader):
    """A subject written in encoded words that keep its spaces. The standard folder splits a
    long subject into encoded words and drops the space it splits at: « non déclarée » reached
    the reader as « nondéclarée » (found by probing; CPython's folder, 3.11). The legacy encoder
    puts each space inside the encoded words. Text in ASCII, or sent as UTF-8, is written as
    the standard policy writes it."""

    def fold(self, *, policy: Any) -> str:
        text = str(self)
        if policy.utf8 or text.isascii():
            folded: str = super().fold(policy=policy)
            return folded
        encoded = Header(text, "utf-8", header_name=self.name).encode(linesep=policy.linesep)
        return f"{self.name}: {encoded}{policy.linesep}"


class SharedHeaders(HeaderRegistry):
    """The standard header classes; a header given as text is made once for the process."""

    def __init__(self) -> None:
        super().__init__(base_class=FoldedOnce)
        self.map_to_type("subject", Subject)
        self._made = functools.lru_cache(maxsize=KEPT)(super().__call__)
        # The standard registry makes a new class at each look-up, and a message looks one up
        # for every header it is given (to count how many it may hold).
        self._classes = functools.lru_cache(maxsize=KEPT)(super().__getitem__)

    def __getitem__(self, name: str) -> Any:
        return self._classes(name.lower())

    def __call__(self, name: str, value: Any) -> Any:
        if type(value) is str:  # hashable, and what every header of a notice is given as
            return self._made(name, value)
        return super().__call__(name, value)


POLICY = default.clone(header_factory=SharedHeaders())
