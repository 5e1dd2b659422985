import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from icalendar import Calendar

from cpom.cli.main import main


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exit_:  # argparse errors
        code = int(exit_.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


IEV = ("calendar", "--start", "2024-01-01", "--years", "5", "--preset", "sad")


def test_json_of_the_ille_et_vilaine_contract(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, *IEV, "--json")
    assert code == 0
    payload = json.loads(out)
    assert payload["echeance"] == "2028-12-31"
    milestones = payload["milestones"]
    assert [m["date"] for m in milestones] == sorted(m["date"] for m in milestones)
    by_kind = {m["kind"]: m for m in milestones}
    notice = by_kind["prorogation_notice_deadline"]
    assert notice["date"] == "2028-06-30"
    assert notice["hard"] is True
    assert notice["basis"]["anchor"] == "2028-12-31"
    assert {"date", "kind", "hard", "basis"} <= set(notice)
    documents = [m for m in milestones if m["kind"] == "annual_documents_due"]
    assert [m["date"] for m in documents] == [f"{y}-04-30" for y in range(2025, 2030)]
    assert [m["contract_year"] for m in documents] == [1, 2, 3, 4, 5]


def test_table_is_readable_and_in_french(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, *IEV)
    assert code == 0
    assert "Échéance du contrat" in out
    assert "dim. 31/12/2028" in out
    assert "tombe un jour non ouvré (dimanche), sans report" in out
    assert "délai légal" in out


def test_notice_received_adds_the_reply_deadline(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, *IEV, "--notice-received-on", "2028-06-30", "--json")
    assert code == 0
    by_kind = {m["kind"]: m for m in json.loads(out)["milestones"]}
    assert by_kind["prorogation_reply_deadline"]["date"] == "2028-08-30"
    assert by_kind["prorogation_reply_deadline"]["on_silence"] == "accept"
    assert by_kind["tacit_acceptance"]["date"] == "2028-08-31"
    assert by_kind["prorogation_reply_target"]["basis"]["skipped"] == [
        {"date": "2028-07-30", "reason": "dimanche"}
    ]


def test_reply_months_option_and_table_shows_the_skipped_days(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run_cli(
        capsys, *IEV, "--reply-months", "1", "--notice-received-on", "2028-06-30"
    )
    assert code == 0
    assert "reporté : 30/07 dimanche" in out
    assert "le silence vaut accord" in out


def test_tacit_acceptance_recomputes_on_the_new_echeance(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run_cli(capsys, *IEV, "--notice-received-on", "2028-06-30", "--tacit", "--json")
    assert code == 0
    payload = json.loads(out)
    assert payload["echeance"] == "2029-12-31"
    accepted = next(m for m in payload["milestones"] if m["kind"] == "prorogation_accepted")
    assert accepted["date"] == "2028-08-31"
    assert any("aucune nouvelle prorogation" in w for w in payload["warnings"])


def test_explicit_acceptance_with_a_requested_echeance(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run_cli(
        capsys,
        "calendar",
        "--start",
        "2024-01-01",
        "--years",
        "4",
        "--notice-received-on",
        "2027-05-02",
        "--accepted-on",
        "2027-06-01",
        "--new-echeance",
        "2028-12-31",
        "--json",
    )
    assert code == 0
    assert json.loads(out)["echeance"] == "2028-12-31"


def test_late_notice_cannot_be_tacitly_accepted(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(capsys, *IEV, "--notice-received-on", "2028-07-01", "--tacit")
    assert code == 2
    assert "notification tardive" in err


def test_late_notice_is_explained(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, *IEV, "--notice-received-on", "2028-07-01")
    assert code == 0
    assert "Attention : notification reçue le 01/07/2028" in out
    # The last line ends as every other (found by probing: the prompt came after the warning).
    assert out.endswith("\n")
    assert "\n\nAttention : " in out


def test_acceptance_without_notice_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(capsys, *IEV, "--tacit")
    assert code == 2
    assert "supposent --notice-received-on" in err


def test_prorogation_beyond_the_cap_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(
        capsys,
        *IEV,
        "--notice-received-on",
        "2028-05-01",
        "--accepted-on",
        "2028-05-10",
        "--new-echeance",
        "2030-06-30",
    )
    assert code == 2
    assert "limitée à 6 ans" in err


def test_ics_file_opens_in_a_calendar_application(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    target = tmp_path / "cpom.ics"
    code, out, _ = run_cli(capsys, *IEV, "--territory", "57", "--ics", str(target))
    assert code == 0
    assert "jalons écrits" in out
    parsed = Calendar.from_ical(target.read_bytes())
    events = list(parsed.walk("VEVENT"))
    # 24 steps of the contract's life (the 5 regularisations of the dotation among them), 60
    # monthly forfait payments, 60 monthly APA reports, and for each of the 5 exercises the
    # dotation's payment, the review of what it funded and the arrêté tarifaire.
    assert len(events) == 24 + 60 + 60 + 5 * 3
    notice = next(e for e in events if "notification" in str(e["SUMMARY"]))
    assert notice.decoded("DTSTART") == date(2028, 6, 30)
    assert len(list(notice.walk("VALARM"))) == 1
    # Money and monthly reports are dates to know: no alarm rings for them.
    payment = next(e for e in events if "Versement mensuel" in str(e["SUMMARY"]))
    assert list(payment.walk("VALARM")) == []
    assert "date à connaître" in payment.to_ical().decode()
    assert len({str(e["UID"]) for e in events}) == len(events)


def test_ics_to_an_unwritable_place(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run_cli(capsys, *IEV, "--ics", str(tmp_path / "absent" / "x.ics"))
    assert code == 2
    assert "impossible d'écrire" in err


def test_terms_file_in_toml_with_options_on_top(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    terms = tmp_path / "terms.toml"
    terms.write_text(
        'reference = "CPOM-974-AHI"\npreset = "ahi-etat"\neffet = 2025-01-01\n'
        'duration_years = 5\n[authority]\nterritory = "974"\n',
        encoding="utf-8",
    )
    code, out, _ = run_cli(capsys, "calendar", "--terms", str(terms), "--years", "4", "--json")
    assert code == 0
    payload = json.loads(out)
    assert payload["reference"] == "CPOM-974-AHI"
    assert payload["territory"] == "974"
    assert payload["echeance"] == "2028-12-31"


def test_terms_file_in_json(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    terms = tmp_path / "terms.json"
    terms.write_text(
        json.dumps(
            {
                "reference": "X",
                "effet": "2024-01-01",
                "duration_years": 3,
                "authority": {"territory": "35"},
            }
        ),
        encoding="utf-8",
    )
    code, out, _ = run_cli(
        capsys, "calendar", "--terms", str(terms), "--notice-months", "12", "--json"
    )
    assert code == 0
    notice = next(
        m for m in json.loads(out)["milestones"] if m["kind"] == "prorogation_notice_deadline"
    )
    assert notice["date"] == "2025-12-31"


@pytest.mark.parametrize(
    ("content", "message"),
    [("{", "JSON invalide (ligne 1, colonne 2)"), ("[]", "le document doit être un objet")],
)
def test_broken_terms_files(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: str, message: str
) -> None:
    terms = tmp_path / "terms.json"
    terms.write_text(content, encoding="utf-8")
    code, _, err = run_cli(capsys, "calendar", "--terms", str(terms))
    assert code == 2
    assert message in err


def test_broken_toml(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    terms = tmp_path / "terms.toml"
    terms.write_text("effet = = 1", encoding="utf-8")
    code, _, err = run_cli(capsys, "calendar", "--terms", str(terms))
    assert code == 2
    assert "TOML invalide" in err


def test_missing_terms_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run_cli(capsys, "calendar", "--terms", str(tmp_path / "nope.json"))
    assert code == 2
    assert "impossible de lire" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("calendar", "--years", "5"), "indiquer la date d'effet (--start)"),
        (("calendar", "--start", "2024-01-01"), "indiquer la durée (--years)"),
        (("calendar", "--start", "2023-02-29", "--years", "5"), "la date 2023-02-29 n'existe pas"),
        (("calendar", "--start", "demain", "--years", "5"), "AAAA-MM-JJ"),
        (("calendar", "--start", "2024-01-01", "--years", "cinq"), "« cinq » n'est pas un nombre"),
        (("calendar", "--start", "2024-01-01", "--years", "7"), "7 ans impossible"),
        (
            (
                "calendar",
                "--start",
                "2024-01-01",
                "--years",
                "5",
                "--notice-received-on",
                "2020-01-01",
            ),
            "une notification reçue le 01/01/2020 précède la date d'effet du contrat (01/01/2024)",
        ),
        (
            ("calendar", "--start", "2024-01-01", "--years", "5", "--notice-months", "3"),
            "prorogation_notice_months",
        ),
        (
            ("calendar", "--start", "2024-01-01", "--years", "5", "--reply-months", "6"),
            "n'est pas plus court que le préavis",
        ),
        (
            ("calendar", "--start", "2024-01-01", "--years", "5", "--territory", "99"),
            "territoire inconnu",
        ),
        (
            ("calendar", "--start", "2024-01-01", "--years", "5", "--preset", "caf"),
            "choix 'caf' invalide",
        ),
        (("calendar", "--json", "--ics", "x.ics"), "incompatible avec l'option"),
        (("agenda",), "choix 'agenda' invalide"),
        ((), "arguments obligatoires manquants"),
    ],
)
def test_bad_input_exits_2_with_a_french_message(
    capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], message: str
) -> None:
    code, _, err = run_cli(capsys, *argv)
    assert code == 2
    assert message in err
    assert "Traceback" not in err


def test_unsigned_contract_with_a_process_start(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, *IEV, "--process-start", "2023-01-02", "--json")
    assert code == 0
    kinds = [m["kind"] for m in json.loads(out)["milestones"]]
    assert kinds[:3] == ["cadrage_end", "diagnostic_end", "signature_target"]


def test_unsigned_and_signed_on_options(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, *IEV, "--unsigned", "--json", "--reference", "CPOM-1")
    assert code == 0
    assert json.loads(out)["milestones"][0]["kind"] == "cadrage_start"
    code, out, _ = run_cli(capsys, *IEV, "--signed-on", "2023-12-12", "--json")
    assert json.loads(out)["milestones"][0]["kind"] == "signature"


def test_installed_command_runs_without_traceback() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "cpom.cli.main", *IEV, "--years", "9"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert "termes du contrat invalides" in done.stderr
    assert "Traceback" not in done.stderr


class _ClosedPipe:
    def write(self, _: str) -> int:
        raise BrokenPipeError

    def close(self) -> None:
        pass


def test_a_reader_closing_the_pipe_is_not_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdout", _ClosedPipe())
    monkeypatch.setattr(sys, "stderr", _ClosedPipe())
    assert main(list(IEV)) == 0
