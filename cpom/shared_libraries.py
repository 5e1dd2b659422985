"""Shared libraries looked up in the dynamic loader's cache, without running a compiler.

WeasyPrint loads GObject, Pango, HarfBuzz and Fontconfig by trying the names of every platform,
Windows' first (`libgobject-2.0-0`). cffi asks `ctypes.util.find_library` about each name that
does not load, and on Linux `find_library` runs `ldconfig -p`, then `gcc`, then `ld` for each:
some 200 processes and 0.15 s of CPU while WeasyPrint is imported, a second core busy with them
while `cpom simulate` starts (issue 12). Here `ldconfig -p` runs once and its answer serves
every name, as `find_library`'s first step reads it. A name it lacks goes on to the standard
lookup only where that could find more: a library path set in the environment.
"""

from __future__ import annotations

import contextlib
import ctypes.util
import functools
import os
import re
import struct
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator

# The ABI of `ldconfig -p`'s lines that this interpreter can load, as `ctypes.util` reads them.
_ABI = {
    "x86_64-64": "libc6,x86-64",
    "ppc64-64": "libc6,64bit",
    "sparc64-64": "libc6,64bit",
    "s390x-64": "libc6,64bit",
    "ia64-64": "libc6,IA-64",
}
_lock = threading.RLock()


@functools.cache
def _loader_cache() -> str | None:
    """`ldconfig -p`'s list of the libraries the loader knows, or None without a glibc
    `ldconfig` (musl, macOS)."""
    try:
        done = subprocess.run(
            ["/sbin/ldconfig", "-p"],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            env={"LC_ALL": "C", "LANG": "C"},
            timeout=10,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return os.fsdecode(done.stdout)


def find_in_loader_cache(name: str) -> str | None:
    """The soname of library `name` (`pango-1.0` → `libpango-1.0.so.0`) in the loader's cache."""
    listing = _loader_cache()
    if listing is None:
        return None
    machine = os.uname().machine + ("-32" if struct.calcsize("l") == 4 else "-64")
    found = re.search(
        rf"\s+(lib{re.escape(name)}\.[^\s]+)\s+\({_ABI.get(machine, 'libc6')}", listing
    )
    return found.group(1) if found else None


def _quick(standard: Callable[[str], str | None]) -> Callable[[str], str | None]:
    def find_library(name: str) -> str | None:
        found = find_in_loader_cache(name)
        if found is None and (_loader_cache() is None or os.environ.get("LD_LIBRARY_PATH")):
            return standard(name)
        return found

    return find_library


@contextlib.contextmanager
def looked_up_in_loader_cache() -> Iterator[None]:
    """`ctypes.util.find_library` reads the loader's cache only, while in the block (on Linux:
    elsewhere it is left as it is)."""
    if not sys.platform.startswith("linux"):
        yield
        return
    with _lock:  # one thread at a time swaps the function, and puts back the standard one
        standard = ctypes.util.find_library
        ctypes.util.find_library = _quick(standard)  # type: ignore[assignment]
        try:
            yield
        finally:
            ctypes.util.find_library = standard
