"""`cpom up --help` lists every CPOM_ setting from the settings class itself, as the README does."""

import re

import pytest

from cpom.cli.main import main
from cpom.settings import ROOT, Settings, documented_settings


def test_every_setting_has_a_french_description() -> None:
    for name, field in Settings.model_fields.items():
        assert field.description, f"Settings.{name} sans description"


def test_up_help_lists_every_setting_with_default_and_description(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["up", "--help"])
    assert exited.value.code == 0
    lines = capsys.readouterr().out.splitlines()
    listed = {line.split()[0]: line for line in lines if line.startswith("  CPOM_")}
    expected = documented_settings()
    assert set(listed) == {f"CPOM_{name.upper()}" for name in Settings.model_fields}
    for variable, default, description in expected:
        assert re.fullmatch(
            rf"  {variable} +{re.escape(description)} ; défaut : {re.escape(default)}",
            listed[variable],
        )
    assert listed["CPOM_API_PORT"].endswith("défaut : 8000")
    assert listed["CPOM_SMTP_PASSWORD"].endswith("défaut : vide")


def test_the_readme_documents_every_setting() -> None:
    readme = (ROOT / "README.md").read_text()
    missing = [v for v, _, _ in documented_settings() if f"`{v}`" not in readme]
    assert missing == []
