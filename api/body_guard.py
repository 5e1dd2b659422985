"""Run the application on a request whose body is checked as it is read, chunk by chunk.

Shared by the size limit and the NUL refusal: when `refuses` says no to a chunk, the application
gets an exception from its `receive`, whatever it answers before its response has started is
dropped, and `answer` speaks instead.
"""

from collections.abc import Awaitable, Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class _BodyRefused(Exception):
    """Raised into the application when a chunk is refused; never leaves `guard_body`."""


async def guard_body(
    app: ASGIApp,
    scope: Scope,
    receive: Receive,
    send: Send,
    *,
    refuses: Callable[[Message], bool],
    answer: Callable[[], Awaitable[None]],
) -> None:
    refused = False
    started = False

    async def checking_receive() -> Message:
        nonlocal refused
        message = await receive()
        if message["type"] == "http.request" and refuses(message):
            refused = True
            raise _BodyRefused
        return message

    async def guarded_send(message: Message) -> None:
        nonlocal started
        # Once the body is refused, whatever the application answers (often a 400 from a parser
        # that saw its stream fail) gives way to `answer`.
        if refused and not started:
            return
        started = started or message["type"] == "http.response.start"
        await send(message)

    try:
        await app(scope, checking_receive, guarded_send)
    except Exception:
        if not refused:
            raise
    if refused and not started:
        await answer()
