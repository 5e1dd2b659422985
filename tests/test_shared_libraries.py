"""WeasyPrint's libraries found in the loader's cache, without a compiler run for each name it
tries (issue 12)."""

import ctypes.util
import subprocess
import sys
from typing import Any

import pytest

from cpom.shared_libraries import find_in_loader_cache, looked_up_in_loader_cache

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux's loader")


def test_a_library_is_found_by_its_soname() -> None:
    # Pango is installed wherever WeasyPrint prints (the CI installs it with apt-get).
    assert find_in_loader_cache("pango-1.0") == "libpango-1.0.so.0"
    assert find_in_loader_cache("no-such-library-1.0") is None


def test_the_names_of_other_platforms_run_no_compiler(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LD_LIBRARY_PATH", raising=False)
    standard = ctypes.util.find_library
    ran: list[Any] = []
    real_popen = subprocess.Popen

    def watched(args: Any, *rest: Any, **options: Any) -> Any:
        ran.append(args)
        return real_popen(args, *rest, **options)

    monkeypatch.setattr(subprocess, "Popen", watched)
    find_in_loader_cache("pango-1.0")  # the cache read once, before
    with looked_up_in_loader_cache():
        # WeasyPrint's first names for GObject: Windows', then none on Linux.
        assert ctypes.util.find_library("libgobject-2.0-0") is None
        assert ctypes.util.find_library("gobject-2.0") == "libgobject-2.0.so.0"
    assert ran == []
    assert ctypes.util.find_library is standard


def test_a_library_path_set_in_the_environment_is_still_searched(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    asked: list[str] = []

    def standard(name: str) -> str | None:
        asked.append(name)
        return None

    monkeypatch.setattr(ctypes.util, "find_library", standard)
    monkeypatch.setenv("LD_LIBRARY_PATH", "/opt/pango/lib")
    with looked_up_in_loader_cache():
        assert ctypes.util.find_library("pango-custom-9") is None
    assert asked == ["pango-custom-9"]
