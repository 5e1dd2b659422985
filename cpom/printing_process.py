"""Documents printed in a process of their own, for `cpom simulate`.

WeasyPrint and pyHanko take more than a second of CPU to import, all of it under the
interpreter's lock: in the process that runs a simulation, a worker's warm-up thread took that
second from the workflow and its activities (issue 12). Started with the simulation, the printing
process imports them on another core while the simulation starts; documents are then laid out
and given their signature fields there, and come back as PDF bytes.

The process is `python -m cpom.printing_process`, spoken to in pickles on its standard input and
output: `multiprocessing` would first import the parent's main module in it (for `cpom`, the
whole command line, a quarter of a second before it could print).
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import subprocess
import sys
import threading
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import IO, TYPE_CHECKING, Any

import cpom

if TYPE_CHECKING:
    from cpom.settings import Settings
    from cpom.signing import AuthoritySigner

# Bound on the wait for the process to go, once told to.
STOP_SECONDS = 5
# Laid out while the process waits for its first document (see `serve`).
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
    process that started it does (its standard input closes)."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings
        self._process: subprocess.Popen[bytes] | None = None
        # Activities print from several threads: one request and its answer at a time.
        self._lock = threading.Lock()

    def __enter__(self) -> PrintingProcess:
        # The same cpom as this process's, wherever it was imported from.
        here = str(Path(cpom.__file__).resolve().parent.parent)
        paths = os.environ.get("PYTHONPATH")
        self._process = subprocess.Popen(
            [sys.executable, "-m", "cpom.printing_process"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [here, paths]))},
        )
        self._send(self.settings)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        assert self._process is not None, "printing process not entered"
        # Still loading WeasyPrint, or printing for a simulation given up: no need to wait.
        self._process.terminate()
        self._process.wait(STOP_SECONDS)
        for stream in (self._process.stdin, self._process.stdout):
            # What a process gone could not read is dropped.
            with contextlib.suppress(OSError):
                if stream is not None:
                    stream.close()

    def print(
        self, html: str, data: bytes, base_url: Path, names: Mapping[str, str], location: str
    ) -> bytes:
        """The document ready to sign (`cpom.signature_fields.ready_to_sign`) of the HTML page
        `html`, its data attached (`cpom.printing.print_pdf`)."""
        assert self._process is not None, "printing process not entered"
        with self._lock:
            try:
                self._send((html, data, base_url, dict(names), location))
                assert self._process.stdout is not None
                printed, answer = pickle.load(self._process.stdout)
            except (EOFError, OSError) as error:
                raise PrintingFailed(f"le processus d'impression s'est arrêté ({error})") from None
        if not printed:
            raise PrintingFailed(answer)
        pdf: bytes = answer
        return pdf

    def _send(self, message: object) -> None:
        assert self._process is not None
        assert self._process.stdin is not None
        pickle.dump(message, self._process.stdin)
        self._process.stdin.flush()


def serve(requests: IO[bytes], answers: IO[bytes]) -> None:
    """The printing process: its settings first, then each document it is sent, printed, until
    its standard input closes. A process that could not start (its settings, its certificate,
    WeasyPrint's libraries) answers every document with why, for the parent to raise."""
    try:
        settings: Settings | None = pickle.load(requests)
    except EOFError:  # the parent went before saying anything
        return
    try:
        signer = _started(settings)
    except Exception as error:
        failure: str | None = f"le processus d'impression n'a pas pu démarrer ({_reason(error)})"
    else:
        failure = None
    while True:
        try:
            html, data, base_url, names, location = pickle.load(requests)
        except EOFError:
            return
        answer: tuple[bool, Any] = (False, failure)
        if failure is None:
            try:
                answer = (True, _print(html, data, base_url, names, location, signer))
            except Exception as error:  # sent back, raised in the parent
                answer = (False, _reason(error))
        pickle.dump(answer, answers)
        answers.flush()


def _started(settings: Settings | None) -> AuthoritySigner | None:
    """The signer `settings` configure, once WeasyPrint, the fonts and pyHanko are loaded and a
    first page laid out: what a first document pays once (Pango's and HarfBuzz's caches,
    WeasyPrint's user-agent style sheet), paid here before any is asked."""
    from cpom import printing, signature_fields
    from cpom.settings import Settings
    from cpom.signing import signer_from

    signer = signer_from(settings or Settings(), datetime.now(UTC))
    printing.warm_up()
    signature_fields.warm_up()
    _print(WARM_UP_PAGE, b"{}", Path.cwd(), {}, "", None)
    return signer


def _reason(error: Exception) -> str:
    return f"{type(error).__name__} : {error}"


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


def main() -> None:
    # Ctrl-C reaches the whole process group: the parent stops this process itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The answers go out on the standard output the parent reads; anything else a library would
    # print there goes to the standard error.
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    serve(sys.stdin.buffer, answers)


if __name__ == "__main__":
    main()
