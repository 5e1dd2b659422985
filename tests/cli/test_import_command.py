"""`cpom import` without a running service: the template, the report, the dry run, the errors.
(The import itself runs against the real stack in tests/api/test_imports.py.)"""

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook

from cpom.bulk_import import Tally
from cpom.cli.import_command import ProgressBar, imported
from cpom.cli.main import main
from cpom.mail_catcher import free_port
from cpom.settings import get_settings
from tests.imports import HEADERS, as_csv, contract_row


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty application database, and no Temporal server where the settings point."""
    monkeypatch.setenv("CPOM_DATABASE_URL", f"sqlite:///{tmp_path / 'cpom.db'}")
    monkeypatch.setenv("CPOM_TEMPORAL_ADDRESS", f"127.0.0.1:{free_port()}")
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def test_the_template_is_written_where_asked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "modele.xlsx"
    assert main(["import", "--template", str(target)]) == 0
    assert capsys.readouterr().out == f"modèle écrit dans {target}\n"
    assert load_workbook(target).sheetnames == [
        "Contrats",
        "Établissements",
        "Autorités cosignataires",
        "Aide",
    ]
    assert main(["import", "--template", str(tmp_path / "exemples.csv"), "--examples"]) == 0
    lines = (tmp_path / "exemples.csv").read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == ";".join(HEADERS)
    assert len(lines) == 3


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["import"], "indiquer le FICHIER à importer (ou --template MODELE pour le modèle)"),
        (["import", "a.csv", "--template", "b.csv"], "--template s'emploie sans fichier"),
        (["import", "a.csv", "--examples"], "--examples s'emploie avec --template"),
        (["import", "--template", "modele.ods"], "modèle « modele.ods » : choisir un nom"),
        (["import", "absent.csv"], "impossible de lire absent.csv : fichier introuvable"),
    ],
)
def test_usage_errors_exit_2_in_french(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    assert capsys.readouterr().err.startswith(f"cpom : erreur : {message}")


def test_an_invalid_file_is_reported_and_nothing_is_tried(
    settings: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = settings / "contrats.csv"
    file.write_bytes(as_csv([contract_row(0, {"Territoire": "20"}), contract_row(1)]))
    assert main(["import", str(file)]) == 2
    assert capsys.readouterr().out.splitlines() == [
        "« contrats.csv » : 1 problème sur 2 lignes ; aucun contrat n'a été créé.",
        "ligne 2, colonne « Territoire » : territoire inconnu « 20 » : attendu un numéro de "
        "département (01 à 95, 2A, 2B) ou d'outre-mer (971 à 978)",
    ]
    unreadable = settings / "contrats.xls"
    unreadable.write_bytes(b"\xd0\xcf\x11\xe0")
    assert main(["import", str(unreadable)]) == 2
    assert "« contrats.xls » : fichier « .xls » non pris en charge" in capsys.readouterr().err


def test_a_dry_run_needs_only_the_database(
    settings: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = settings / "contrats.csv"
    file.write_bytes(as_csv([contract_row(0), contract_row(1)]))
    assert main(["import", str(file), "--dry-run"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "« contrats.csv » : toutes les lignes sont valides ; vérification seulement, rien n'a "
        "été créé : 2 à créer, 0 déjà présent.",
        "ligne 2 : CPOM-IMPORT-0000 (Association numéro 0) : à créer",
        "ligne 3 : CPOM-IMPORT-0001 (Association numéro 1) : à créer",
    ]
    # Without a Temporal server, the import itself stops before creating anything.
    assert main(["import", str(file)]) == 2
    assert "Temporal injoignable sur 127.0.0.1:" in capsys.readouterr().err


async def test_the_progress_bar_redraws_on_each_new_percent() -> None:
    stream = io.StringIO()
    bar = ProgressBar(stream, width=10)
    tally = Tally(400)
    for done in range(1, 401):
        tally.done = done
        await bar.update(tally)
    drawn = stream.getvalue()
    assert drawn.count("\r") == 101  # 0 % to 100 %
    assert drawn.startswith("\rimport [..........]   0 % 1/400\rimport [..........]   1 % 4/400")
    assert drawn.endswith("\rimport [##########] 100 % 400/400\n")
    assert bar.done == 400


def test_the_summary_agrees_with_its_number() -> None:
    """Found by probing: « 1 contrat importés »."""
    one = Tally(1, done=1, created=1)
    assert imported("f.csv", one) == "« f.csv » : 1 contrat importé : 1 créé, 0 déjà présent."
    many = Tally(3, done=3, created=1, already_present=2)
    assert imported("f.csv", many) == ("« f.csv » : 3 contrats importés : 1 créé, 2 déjà présents.")


def test_a_dry_run_reads_the_database_it_is_given_and_creates_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Found by probing: a wrong CPOM_DATA_DIR was created, with an empty database in it."""
    wrong = tmp_path / "ailleurs"
    monkeypatch.setenv("CPOM_DATA_DIR", str(wrong))
    monkeypatch.delenv("CPOM_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    file = tmp_path / "contrats.csv"
    file.write_bytes(as_csv([contract_row(0)]))
    try:
        assert main(["import", str(file), "--dry-run"]) == 0
    finally:
        get_settings.cache_clear()
    out, err = capsys.readouterr()
    assert f"base de données {wrong / 'cpom.db'} absente" in err
    assert "ligne 2 : CPOM-IMPORT-0000 (Association numéro 0) : à créer" in out
    assert not wrong.exists()


def test_a_refresh_without_temporal_says_so_in_french(
    settings: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Found by probing: the transport's error came out raw, in English."""
    assert main(["projection", "refresh"]) == 2
    err = capsys.readouterr().err
    assert "Temporal injoignable sur 127.0.0.1:" in err
    assert "« cpom up »" in err
    assert "Failed" not in err
    assert "error" not in err.lower()
