"""Cross-origin calls to the codec routes, from the Temporal Web UI's origin only.

The UI runs in the browser on its own origin and calls /codec/decode with the supervisor's
dashboard cookie (`credentials: "include"`): the browser shows it the answer only if it names
that origin and allows credentials. The rest of the API stays same-origin.
"""

from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# What the UI sends: its JSON, the namespace, and its own access token when told to pass it.
ALLOWED_HEADERS = "content-type, x-namespace, authorization"


class CodecCors:
    def __init__(self, app: ASGIApp, *, origin: str, prefix: str) -> None:
        self.app = app
        self.origin = origin
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.prefix):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        origin = headers.get("origin")
        if origin is None:  # same-origin, or not a browser
            await self.app(scope, receive, send)
            return
        allowed = bool(self.origin) and origin == self.origin
        if scope["method"] == "OPTIONS" and "access-control-request-method" in headers:
            await self.preflight(allowed, origin)(scope, receive, send)
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                answer = MutableHeaders(scope=message)
                answer.add_vary_header("Origin")
                if allowed:
                    answer["Access-Control-Allow-Origin"] = origin
                    answer["Access-Control-Allow-Credentials"] = "true"
            await send(message)

        await self.app(scope, receive, send_with_cors)

    def preflight(self, allowed: bool, origin: str) -> Response:
        if not allowed:
            return JSONResponse(
                {
                    "detail": f"origine {origin} non autorisée à appeler le codec (réglage "
                    "CPOM_CODEC_ALLOWED_ORIGIN)"
                },
                403,
                headers={"Vary": "Origin"},
            )
        return Response(
            status_code=204,
            headers={
                "Access-Control-Allow-Origin": origin,
                "Access-Control-Allow-Credentials": "true",
                "Access-Control-Allow-Methods": "POST",
                "Access-Control-Allow-Headers": ALLOWED_HEADERS,
                "Access-Control-Max-Age": "600",
                "Vary": "Origin",
            },
        )
