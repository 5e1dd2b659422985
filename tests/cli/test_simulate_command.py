import json
from pathlib import Path

import pytest

from cpom.cli.main import main
from cpom.settings import ROOT

EXAMPLE = ROOT / "examples" / "scenario-tacit-prorogation.json"


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_the_readme_example_lives_the_whole_contract(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "simulate", str(EXAMPLE))
    assert code == 0
    log = [json.loads(line) for line in out.splitlines()]
    assert [e["at"] for e in log] == sorted(e["at"] for e in log)
    accepted = [e for e in log if e["event"] == "prorogation_accepted"]
    assert [(e["at"], e["tacit"], e["new_echeance"]) for e in accepted] == [
        ("2028-07-04", "true", "2029-12-31")
    ]
    assert log[-1]["at"] == "2030-05-16"
    ended = [e for e in log if e["event"] == "contract_ended"]
    assert [(e["at"], e["phase"]) for e in ended] == [("2030-01-01", "renouvelee")]
    assert "… terminé" in err


@pytest.mark.parametrize(
    ("scenario", "message"),
    [
        ({"actions": []}, "termes du contrat (« terms »)"),
        (
            {
                "terms": {
                    "reference": "X",
                    "effet": "2024-01-01",
                    "duration_years": 5,
                    "authority": {"territory": "35"},
                },
                "actions": [{"on": "2025-01-01", "action": "proroger"}],
            },
            "action « proroger » inconnue",
        ),
        (
            {
                "terms": {
                    "reference": "X",
                    "effet": "2024-01-01",
                    "duration_years": 5,
                    "authority": {"territory": "35"},
                },
                "actions": [{"on": "2025-13-01", "action": "sign"}],
            },
            "actions[0].on",
        ),
        (
            {
                "terms": {
                    "reference": "X",
                    "effet": "2024-01-01",
                    "duration_years": 5,
                    "authority": {"territory": "35"},
                },
                "actions": [{"on": "2025-02-01", "action": "submit_documents", "exercise": "x"}],
            },
            "actions[0] (submit_documents)",
        ),
        (
            {
                "terms": {
                    "reference": "X",
                    "effet": "2024-01-01",
                    "duration_years": 5,
                    "authority": {"territory": "35"},
                },
                "imported": True,
            },
            "demande la date de départ",
        ),
        (
            {
                "terms": {
                    "reference": "X",
                    "effet": "2024-01-01",
                    "duration_years": 5,
                    "authority": {"territory": "35"},
                },
                "actions": [{"on": "2023-01-01", "action": "sign"}],
            },
            "précède le départ",
        ),
    ],
)
def test_bad_scenarios_are_refused_in_french(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, scenario: dict[str, object], message: str
) -> None:
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(scenario), encoding="utf-8")
    code, _, err = run_cli(capsys, "simulate", str(path))
    assert code == 2
    assert message in err
    assert "Traceback" not in err
