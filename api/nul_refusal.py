"""Refuse the NUL character (U+0000) wherever a request carries text: its address, its query
string, a JSON body, a form (URL-encoded, or the text fields of a multipart form).

No one types it, PostgreSQL cannot store it in a text column (the query fails: a 500), and some
programs stop reading at it. Refused here once for every route with a French 422, before anything
is read from the database or changed. Uploaded files are bytes and may hold it: the file parts of
a multipart form are left alone.
"""

import re

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from api.body_guard import guard_body
from cpom.domain.identifiers import NUL_REFUSED

# In JSON the character is written \u0000; a backslash before it escapes the backslash instead
# when there is an odd number of them (\\u0000 is the six characters « \u0000 »).
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")
_URLENCODED_NUL = re.compile(rb"%00|\x00")


class RefuseNul:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # The path comes percent-decoded: %00 is the character itself.
        if "\x00" in scope["path"]:
            await _refuse("dans l'adresse", scope, receive, send)
            return
        if _URLENCODED_NUL.search(scope["query_string"]):
            await _refuse("dans les paramètres de l'adresse", scope, receive, send)
            return
        scanner = _scanner_for(Headers(scope=scope).get("content-type", ""))
        if scanner is None:
            await self.app(scope, receive, send)
            return
        await guard_body(
            self.app,
            scope,
            receive,
            send,
            refuses=lambda message: scanner.holds_nul(
                message.get("body", b""), more=message.get("more_body", False)
            ),
            answer=lambda: _refuse("dans le corps de la requête", scope, receive, send),
        )


async def _refuse(where: str, scope: Scope, receive: Receive, send: Send) -> None:
    await JSONResponse({"detail": f"{NUL_REFUSED} {where}"}, 422)(scope, receive, send)


class _Scanner:
    def holds_nul(self, chunk: bytes, *, more: bool) -> bool:
        raise NotImplementedError


class _Whole(_Scanner):
    """A JSON or URL-encoded body, judged whole once its last chunk arrives (the body limit
    bounds what is kept meanwhile)."""

    def __init__(self, pattern: re.Pattern[bytes]) -> None:
        self.pattern = pattern
        self.body = bytearray()

    def holds_nul(self, chunk: bytes, *, more: bool) -> bool:
        self.body += chunk
        return not more and (b"\x00" in self.body or bool(self.pattern.search(self.body)))


class _MultipartFields(_Scanner):
    """The text fields and part headers of a multipart body, scanned as it streams."""

    def __init__(self, boundary: bytes) -> None:
        self.found = False
        self.in_file = False
        self.header = bytearray()
        self.value = bytearray()
        self.parser = MultipartParser(
            boundary,
            {
                "on_part_begin": self._part_begin,
                "on_header_field": lambda data, start, end: self.header.extend(data[start:end]),
                "on_header_value": lambda data, start, end: self.value.extend(data[start:end]),
                "on_header_end": self._header_end,
                "on_part_data": self._part_data,
            },
        )
        self.broken = False

    def _part_begin(self) -> None:
        self.in_file = False

    def _header_end(self) -> None:
        if b"\x00" in self.header or b"\x00" in self.value:
            self.found = True
        if bytes(self.header).lower() == b"content-disposition":
            _, options = parse_options_header(bytes(self.value))
            self.in_file = b"filename" in options
        self.header.clear()
        self.value.clear()

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if not self.in_file and b"\x00" in data[start:end]:
            self.found = True

    def holds_nul(self, chunk: bytes, *, more: bool) -> bool:
        if not self.broken:
            try:
                self.parser.write(chunk)
            except MultipartParseError:
                # A malformed body: the application's own parser refuses it with a 400.
                self.broken = True
        return self.found


def _scanner_for(content_type: str) -> _Scanner | None:
    media_type, options = parse_options_header(content_type)
    if media_type == b"application/json" or media_type.endswith(b"+json"):
        return _Whole(_JSON_NUL)
    if media_type == b"application/x-www-form-urlencoded":
        return _Whole(_URLENCODED_NUL)
    if media_type == b"multipart/form-data" and options.get(b"boundary"):
        return _MultipartFields(options[b"boundary"])
    return None
