"""A limit on the size of request bodies, counted on the bytes actually received.

A `Content-Length` header may be absent (chunked transfer) or lie: the limit is enforced on what
arrives, so no route ever reads more than its limit into memory. Answers 413 with a French
message once the limit is passed, whatever the headers say.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.body_guard import guard_body
from api.routes.dashboard import DASHBOARD, error_page


@dataclass(frozen=True)
class RouteLimit:
    """A limit of its own for the requests of `method` whose path matches `path`."""

    method: str
    path: re.Pattern[str]
    max_bytes: int
    message: str


class BodyLimit:
    def __init__(
        self,
        app: ASGIApp,
        *,
        max_bytes: int,
        message: str,
        routes: Sequence[RouteLimit] = (),
    ) -> None:
        self.app = app
        self.default = RouteLimit("*", re.compile(""), max_bytes, message)
        self.routes = routes

    def limit_for(self, scope: Scope) -> RouteLimit:
        for route in self.routes:
            if scope["method"] == route.method and route.path.fullmatch(scope["path"]):
                return route
        return self.default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope)
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and not declared.isdigit():
            await _answer(400, "en-tête Content-Length invalide", scope, receive, send)
            return
        if declared is not None and int(declared) > limit.max_bytes:
            # Said too large up front: answer before reading anything.
            await _answer(413, limit.message, scope, receive, send)
            return
        received = 0

        def past_the_limit(message: Message) -> bool:
            nonlocal received
            received += len(message.get("body", b""))
            return received > limit.max_bytes

        await guard_body(
            self.app,
            scope,
            receive,
            send,
            refuses=past_the_limit,
            answer=lambda: _answer(413, limit.message, scope, receive, send),
        )


async def _answer(status: int, message: str, scope: Scope, receive: Receive, send: Send) -> None:
    # The rest of the body never reaches the application: the server discards it (uvicorn reads
    # on to the end of the request so that the client, still sending, gets this answer rather
    # than a reset connection).
    if scope["path"].startswith(DASHBOARD):  # read by a person: a page
        heading = "Envoi trop volumineux" if status == 413 else "Requête illisible"
        await error_page(status, heading, message, scope["path"])(scope, receive, send)
        return
    await JSONResponse({"detail": message}, status)(scope, receive, send)
