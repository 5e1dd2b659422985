"""The code of compiled templates kept for the next process (issue 12): reused while the source
is the same, never across the kinds of environment that compile a file differently."""

from pathlib import Path
from typing import Any

import pytest
from jinja2 import Environment, FileSystemLoader

from cpom.identities import Identities
from cpom.rendering import _environments
from cpom.template_cache import KeptTemplateCode, compiled_templates


@pytest.fixture
def templates(tmp_path: Path) -> Path:
    # A folder of its own: its files' paths are the cache's keys, found in no other test.
    (tmp_path / "avis.html.j2").write_text("{{ '<b>' }} {{ 1 + 1 }}", encoding="utf-8")
    return tmp_path


def compiled_by(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    compiled: list[str] = []
    compile_source = Environment.compile

    def counting(self: Environment, source: str, name: str | None = None, *args: Any) -> Any:
        compiled.append(name or "")
        return compile_source(self, source, name, *args)

    monkeypatch.setattr(Environment, "compile", counting)
    return compiled


def test_a_later_process_reuses_the_code_compiled_before(
    templates: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    compiled = compiled_by(monkeypatch)
    first = _environments(FileSystemLoader(templates), Identities())
    assert first.html.get_template("avis.html.j2").render() == "&lt;b&gt; 2"
    assert compiled == ["avis.html.j2"]
    # New environments, as in another process: nothing compiled in memory.
    later = _environments(FileSystemLoader(templates), Identities())
    assert later.html.get_template("avis.html.j2").render() == "&lt;b&gt; 2"
    assert compiled == ["avis.html.j2"]


def test_an_edited_template_is_compiled_again(
    templates: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    compiled = compiled_by(monkeypatch)
    _environments(FileSystemLoader(templates), Identities()).html.get_template("avis.html.j2")
    (templates / "avis.html.j2").write_text("{{ 2 + 2 }}", encoding="utf-8")
    later = _environments(FileSystemLoader(templates), Identities())
    assert later.html.get_template("avis.html.j2").render() == "4"
    assert len(compiled) == 2


def test_text_and_html_keep_code_of_their_own(templates: Path) -> None:
    """The same file escapes in HTML and not in text: its code is not shared."""
    environments = _environments(FileSystemLoader(templates), Identities())
    assert environments.html.get_template("avis.html.j2").render() == "&lt;b&gt; 2"
    later = _environments(FileSystemLoader(templates), Identities())
    assert later.text.get_template("avis.html.j2").render() == "<b> 2"
    assert later.html.get_template("avis.html.j2").render() == "&lt;b&gt; 2"


def test_a_cache_the_disk_refuses_leaves_templates_compiled_as_before(templates: Path) -> None:
    """A folder that cannot be read or written (here a file in its place, as a read-only or
    full disk would refuse) is no cache: each template still renders."""
    not_a_folder = templates / "not-a-folder"
    not_a_folder.write_text("", encoding="utf-8")
    cache = compiled_templates("html", str(not_a_folder))
    assert cache is not None
    environment = Environment(
        loader=FileSystemLoader(templates), autoescape=True, bytecode_cache=cache
    )
    assert environment.get_template("avis.html.j2").render() == "&lt;b&gt; 2"
    assert environment.get_template("avis.html.j2").render() == "&lt;b&gt; 2"
    # Read by a new environment (another process) through the same refusing folder.
    again = Environment(loader=FileSystemLoader(templates), autoescape=True, bytecode_cache=cache)
    assert again.get_template("avis.html.j2").render() == "&lt;b&gt; 2"


def test_no_private_folder_means_no_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    def refused(self: object) -> str:
        raise RuntimeError("Cannot determine safe temp directory")

    monkeypatch.setattr(KeptTemplateCode, "_get_default_cache_dir", refused)
    assert compiled_templates("text") is None
