"""Security headers on every response: a Content-Security-Policy without inline script, no
framing (clickjacking), no referrer, no content sniffing.

The dashboard's pages have no script and take their styles from one stylesheet, so their policy
allows nothing inline. The API documentation pages (Swagger UI, ReDoc, written by FastAPI) carry
one inline script each: their policy allows exactly that script by its SHA-256, computed from the
page as it is served, and the inline styles ReDoc inserts as it draws. A route that sets its own
policy (downloaded files are sandboxed) keeps it.
"""

import base64
import hashlib
import re

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    # For browsers that predate frame-ancestors.
    "X-Frame-Options": "DENY",
}
_INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.DOTALL)


def docs_policy(page: bytes) -> str:
    """The policy of a documentation page: its own inline scripts, by hash."""
    hashes = " ".join(
        f"'sha256-{base64.b64encode(hashlib.sha256(script).digest()).decode()}'"
        for script in _INLINE_SCRIPT.findall(page)
    )
    return (
        f"default-src 'self'; script-src 'self' {hashes}; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; worker-src 'self' blob:; object-src 'none'; base-uri 'none'; "
        "frame-ancestors 'none'"
    )


class SecurityHeaders:
    def __init__(self, app: ASGIApp, *, docs_paths: frozenset[str]) -> None:
        self.app = app
        self.docs_paths = docs_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"] in self.docs_paths:
            await self._documentation(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                _add(MutableHeaders(scope=message), POLICY)
            await send(message)

        await self.app(scope, receive, with_headers)

    async def _documentation(self, scope: Scope, receive: Receive, send: Send) -> None:
        # These pages are small: held until complete, so that their scripts can be hashed.
        start: Message | None = None
        body = bytearray()

        async def hold(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] != "http.response.body" or start is None:
                await send(message)
                return
            body.extend(message.get("body", b""))
            if message.get("more_body", False):
                return
            _add(MutableHeaders(scope=start), docs_policy(bytes(body)))
            await send(start)
            await send({"type": "http.response.body", "body": bytes(body)})

        await self.app(scope, receive, hold)


def _add(headers: MutableHeaders, policy: str) -> None:
    headers.setdefault("Content-Security-Policy", policy)
    for name, value in HEADERS.items():
        headers.setdefault(name, value)
