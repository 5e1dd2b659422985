"""The Python code of compiled templates, kept for the next process.

Jinja2 compiles each template to Python the first time a process loads it: the 21 templates of
a contract's life took 77 ms of `cpom simulate`'s 3 s (issue 12), and a restarted worker paid
them again. Their code is kept in Jinja2's folder of this user's in the temporary directory,
which Jinja2 creates private and refuses when another user could write there, and used again
while the template's source is the same.

A cache is only a shortcut: one that cannot be made, read or written (a read-only or full
disk) leaves each process to compile its templates, as before, and never fails a rendering.
"""

from __future__ import annotations

import contextlib

from jinja2 import BytecodeCache, FileSystemBytecodeCache
from jinja2.bccache import Bucket


class KeptTemplateCode(FileSystemBytecodeCache):
    """Jinja2's cache of files, which gives up quietly where the disk refuses."""

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except OSError:
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


def compiled_templates(kind: str, directory: str | None = None) -> BytecodeCache | None:
    """The cache of the environments of `kind`, in `directory` (Jinja2's private folder by
    default): one set of files for each kind, since the same file compiles differently in each
    (escaped in HTML, not in text). None when no folder can be had."""
    try:
        return KeptTemplateCode(directory, pattern=f"__cpom_{kind}_%s.cache")
    except (RuntimeError, OSError):
        return None
