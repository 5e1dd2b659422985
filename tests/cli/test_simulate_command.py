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
    # Every notice with its subject and the mail server's answer, those to several parties too
    # (found by probing: theirs were null).
    sent = [e for e in log if e["event"] == "notice_sent"]
    assert any(len(e["recipients"]) > 1 for e in sent)
    assert all(e["subject"] and e["smtp_response"] for e in sent), sent


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


def simulated(capsys: pytest.CaptureFixture[str], name: str) -> list[dict[str, str]]:
    code, out, _ = run_cli(capsys, "simulate", "--quiet", str(ROOT / "examples" / name))
    assert code == 0
    return [json.loads(line) for line in out.splitlines()]


def test_the_ars_example_lives_its_budget_cycle_and_its_denonciation(
    capsys: pytest.CaptureFixture[str],
) -> None:
    log = simulated(capsys, "scenario-ars-eprd.json")
    sent = [(e["at"], e["notice"]) for e in log if e["event"] == "notice_sent"]
    # EPRD 2024 sent on 25 April, after both reminders; the 2025 resources notified late, on
    # 20 April: the EPRD is due 20 May, so no reminder on 23 April, and it arrives on 12 May,
    # before the reminder of 13 May; the EPRD of 2026 never comes.
    assert [s for s in sent if "eprd" in s[1]] == [
        ("2024-03-31", "rappel_eprd"),
        ("2024-04-23", "rappel_eprd"),
        ("2025-03-31", "rappel_eprd"),
        ("2026-03-31", "rappel_eprd"),
        ("2026-04-23", "rappel_eprd"),
        ("2026-05-01", "relance_eprd"),
    ]
    resumed = [e for e in log if e["event"] == "contradictory_procedure_resumed"]
    assert [(e["at"], e["proposals_due"]) for e in resumed] == [("2026-08-31", "2027-10-31")]
    ended = [e for e in log if e["event"] == "contract_ended"]
    assert [(e["at"], e["phase"]) for e in ended] == [("2027-03-01", "denoncee")]


def test_the_state_example_lives_its_subsidies_and_an_implicit_rejection(
    capsys: pytest.CaptureFixture[str],
) -> None:
    log = simulated(capsys, "scenario-etat-ahi.json")
    rejected = [e for e in log if e["event"] == "authorisation_implicitly_rejected"]
    # Received 3 March 2025, two months: 3 May is a Saturday, the window runs to Monday 5 May.
    assert [e["at"] for e in rejected] == ["2025-05-06"]
    reminders = [e["at"] for e in log if e.get("notice") == "rappel_avenant_subventions"]
    assert reminders[:3] == ["2024-05-31", "2025-05-31", "2026-05-31"]
    accepted = [e for e in log if e["event"] == "prorogation_accepted"]
    assert [(e["at"], e["tacit"]) for e in accepted] == [("2027-02-11", "true")]
