"""Documents printed in a process of their own, for `cpom simulate`.

WeasyPrint and pyHanko take more than a second of CPU to import, all of it under the
interpreter's lock: in the process that runs a simulation, a worker's warm-up thread took that
second from the workflow and its activities (issue 12). Started with the simulation, the printing
process imports them on another core while the simulation starts; documents are then laid out
and given their signature fields there, and come back as PDF bytes.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

    from cpom.settings import Settings
    from cpom.signing import AuthoritySigner

# Bound on the wait for the process to go, once told to.
STOP_SECONDS = 5
WARM_UP_PAGE = (
    "<p style=\"font-family: 'DejaVu Sans Condensed'\">Page <b>d'essai</b></p>"
    '<div data-signature="essai" style="height: 2cm"></div>'
)


class PrintingFailed(RuntimeError):
    """The printing process could not print a document, or is gone."""


class PrintingProcess:
    """One process that prints documents, one at a time, as `Renderer.document` prints them in
    its own: PDF/A-3b, signature fields, signed by the signer `settings` configure (those of the
    environment when None). Started on entering, stopped on leaving; it also ends when the
    process that started it does (its end of the pipe closes)."""

    def __init__(self, settings: Settings | None = None) -> None:
        # Spawned: a process forked from one that runs threads (Temporal's, the mail catcher's)
        # may inherit a lock held for ever.
        context = multiprocessing.get_context("spawn")
        self._connection, child = context.Pipe()
        self._process = context.Process(
            target=_serve, args=(child, settings), name="cpom-printing", daemon=True
        )
        self._child = child
        # Activities print from several threads: one request and its answer at a time.
        self._lock = threading.Lock()

    def __enter__(self) -> PrintingProcess:
        self._process.start()
        self._child.close()  # the process's end, now its alone
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._connection.close()
        # Still loading WeasyPrint, or printing for a simulation given up: no need to wait.
        self._process.terminate()
        self._process.join(STOP_SECONDS)

    def print(
        self, html: str, data: bytes, base_url: Path, names: Mapping[str, str], location: str
    ) -> bytes:
        """The document ready to sign (`cpom.signature_fields.ready_to_sign`) of the HTML page
        `html`, its data attached (`cpom.printing.print_pdf`)."""
        with self._lock:
            try:
                self._connection.send((html, data, base_url, dict(names), location))
                printed, answer = self._connection.recv()
            except (EOFError, OSError) as error:
                raise PrintingFailed(f"le processus d'impression s'est arrêté ({error})") from None
        if not printed:
            raise PrintingFailed(answer)
        pdf: bytes = answer
        return pdf


def _serve(connection: Connection, settings: Settings | None) -> None:
    """The printing process: print each document it is sent until its parent closes the pipe."""
    from cpom import printing, signature_fields
    from cpom.settings import Settings
    from cpom.signing import signer_from

    signer = signer_from(settings or Settings(), datetime.now(UTC))
    printing.warm_up()
    signature_fields.warm_up()
    # A first page laid out and given a field: what a first document pays once (Pango's and
    # HarfBuzz's caches, WeasyPrint's user-agent style sheet), paid here before any is asked.
    _print(WARM_UP_PAGE, b"{}", Path.cwd(), {}, "", None)
    while True:
        try:
            html, data, base_url, names, location = connection.recv()
        except EOFError:
            return
        try:
            answer: tuple[bool, Any] = (True, _print(html, data, base_url, names, location, signer))
        except Exception as error:  # sent back, raised in the parent
            answer = (False, f"{type(error).__name__} : {error}")
        connection.send(answer)


def _print(
    html: str,
    data: bytes,
    base_url: Path,
    names: dict[str, str],
    location: str,
    signer: AuthoritySigner | None,
) -> bytes:
    from cpom.printing import print_pdf
    from cpom.signature_fields import ready_to_sign

    return ready_to_sign(print_pdf(html, data, base_url), names, signer, location)
