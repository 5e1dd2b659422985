import dataclasses
import json

import pytest

from cpom.cli.main import main
from cpom.domain.presets import PRESETS
from cpom.domain.terms import ContractRules


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().out


def test_every_preset_note_names_real_parameters_and_gives_a_legal_basis() -> None:
    fields = {f.name for f in dataclasses.fields(ContractRules)}
    for preset in PRESETS.values():
        for note in preset.notes:
            assert set(note.parameters) <= fields, note.parameters
            assert note.law
            assert "seed" not in note.law
            assert "seed" not in note.text
        # The money and budget calendars of each preset are explained.
        explained = {name for note in preset.notes for name in note.parameters}
        assert {"budget_regime", "funding_paid_monthly", "tarification_due"} <= explained


def test_the_presets_command_shows_each_value_with_its_basis(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out = run_cli(capsys, "presets", "--preset", "esms-ars")
    assert code == 0
    assert out.startswith("Établissements et services médico-sociaux (ARS) — préréglage esms-ars")
    assert "fondement : CASF art. L. 313-12-2 et R. 314-210" in out
    assert "budget_regime = eprd ; budget_forecast_due = 30/04" in out
    assert "funding_paid_monthly = oui" in out
    code, out = run_cli(capsys, "presets", "--json")
    described = json.loads(out)
    assert [p["preset"] for p in described] == ["sad", "esms-ars", "ahi-etat"]
    sad = described[0]
    assert sad["rules"]["monthly_activity_report_day"] == 15
    assert sad["notes"][0]["source"].startswith("seed 001")  # kept for audit, in JSON only
