"""Whatever file a user hands the command line, the answer is a French message and exit
status 2 (or 0 when the file is fine), never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cpom.cli.main import main
from cpom.mail_catcher import free_port
from cpom.settings import ROOT, get_settings
from cpom.simulation import SimulationResult
from cpom.time_skipping_server import TimeSkippingServer

EXAMPLES = ROOT / "examples"
TERMS = tomllib.loads((EXAMPLES / "ille-et-vilaine-sad-2024.toml").read_text(encoding="utf-8"))
LIVED = json.loads(
    (EXAMPLES / "scenario-ille-et-vilaine-objectifs.json").read_text(encoding="utf-8")
)
# Its terms with their objectives, and an action of each kind that carries substance: a yearly
# report, a dialogue with its decisions on the objectives, an approval.
SCENARIO = {
    "terms": LIVED["terms"],
    "actions": [
        next(a for a in LIVED["actions"] if a["action"] == name)
        for name in ("report_objectives", "record_dialogue", "approve_releve")
    ],
}
# The example with a value for each kind of field, so that mutations reach every parser.
RICH_TERMS = {
    **TERMS,
    "effet": "2024-01-01",
    "signed_on": "2023-12-15",
    "rules": {
        **TERMS["rules"],
        "annual_documents_due": {"month": 4, "day": 30},
        "dotation_advance_due": "31/03",
        "max_total_years": 6,
        "annual_documents_reminder_days": [30, 7],
        "dialogue_cadence": "annuel",
    },
    "prorogations": [
        {
            "notice_received_on": "2028-06-30",
            "accepted_on": "2028-08-31",
            "tacit": True,
            "new_echeance": "2029-12-31",
        }
    ],
}
CSV = (EXAMPLES / "import-contrats.csv").read_bytes()
DEEP = "[" * 100_000 + "]" * 100_000
VALID_TERMS_AND = b'{"terms": ' + json.dumps(SCENARIO["terms"]).encode() + b", "

JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(10**40), max_value=10**40)
    | st.floats(allow_nan=False)
    | st.text(max_size=20)
    | st.sampled_from(["2024-01-01", "2024-02-30", "15/04", "35", "sad", "0"])
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)


# Values that break parsers: beyond any date or C integer, empty, of another type.
NASTY = st.sampled_from(
    [
        *(10**20, -(10**20), 0, -1, 1.5, "", None, True, [], {}, [10**20], ["x"]),
        *("2024-02-30", "31/02", "٢٠٢٤-01-01", "9999-12-31"),
        *({"month": 10**20, "day": 1}, {"month": 2, "day": 30}),
    ]
)


@st.composite
def mutated(draw: st.DrawFn, document: Any) -> Any:
    """`document` with one place in it replaced by another value, or removed."""
    if isinstance(document, dict | list) and document and draw(st.integers(0, 4)):
        keys = list(document) if isinstance(document, dict) else list(range(len(document)))
        key = draw(st.sampled_from(keys))
        copy = dict(document) if isinstance(document, dict) else list(document)
        if draw(st.integers(0, 4)) == 0:
            del copy[key]
        else:
            copy[key] = draw(mutated(document[key]))
        return copy
    return draw(NASTY | JSON_VALUES)


def file_contents(document: Any) -> st.SearchStrategy[bytes]:
    """Mostly the valid document mutated, else bytes of every kind: binary, text, broken JSON."""
    as_json = mutated(document).map(lambda doc: json.dumps(doc, default=str).encode())
    return st.one_of(
        as_json,
        as_json,
        as_json,
        st.binary(max_size=200),
        st.text(max_size=200).map(lambda text: text.encode()),
        st.sampled_from([b"", b"\xff\xfe{}", b"{", b"[]", b"5", b'"x"', b"null", DEEP.encode()]),
    )


FUZZ = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def folder() -> Iterator[Path]:
    """One folder for every example of a test (hypothesis runs them in one test call)."""
    with tempfile.TemporaryDirectory() as name:
        yield Path(name)


@pytest.fixture
def offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A database of its own, no Temporal server, and a simulation that only says it ran."""
    monkeypatch.setenv("CPOM_DATABASE_URL", f"sqlite:///{tmp_path / 'cpom.db'}")
    monkeypatch.setenv("CPOM_TEMPORAL_ADDRESS", f"127.0.0.1:{free_port()}")

    async def simulated(
        scenario: object, on_progress: object, printer: object, server: object
    ) -> SimulationResult:
        return SimulationResult([])

    monkeypatch.setattr("cpom.simulation.simulate", simulated)
    # Nor the test server the command starts beforehand.
    monkeypatch.setattr(TimeSkippingServer, "start", lambda server: server)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    try:
        code = main(list(argv))
    except SystemExit as exit_:  # argparse
        code = int(exit_.code or 0)
    out, err = capsys.readouterr()
    return code, out + err


def assert_handled(code: int, output: str) -> None:
    assert code in (0, 2), output
    assert "Traceback" not in output
    if code == 2:  # an error message, or the import's report of every problem
        assert output.strip(), output


@FUZZ
@given(content=file_contents(RICH_TERMS), suffix=st.sampled_from([".json", ".json", ".toml"]))
def test_calendar_reads_any_terms_file(
    capsys: pytest.CaptureFixture[str], folder: Path, content: bytes, suffix: str
) -> None:
    path = folder / f"termes{suffix}"
    path.write_bytes(content)
    assert_handled(*run(capsys, "calendar", "--terms", str(path), "--json"))


@FUZZ
@given(text=st.text(max_size=300))
def test_calendar_reads_any_toml_text(
    capsys: pytest.CaptureFixture[str], folder: Path, text: str
) -> None:
    path = folder / "termes.toml"
    path.write_text(f"reference = 'X'\neffet = 2024-01-01\nduration_years = 5\n{text}")
    assert_handled(*run(capsys, "calendar", "--terms", str(path)))


@FUZZ
@given(content=file_contents(SCENARIO))
def test_simulate_reads_any_scenario(
    capsys: pytest.CaptureFixture[str], folder: Path, offline: None, content: bytes
) -> None:
    path = folder / "scenario.json"
    path.write_bytes(content)
    assert_handled(*run(capsys, "simulate", "--quiet", str(path)))


def csv_contents() -> st.SearchStrategy[bytes]:
    lines = CSV.decode("utf-8-sig").splitlines()

    @st.composite
    def edited(draw: st.DrawFn) -> bytes:
        rows = [line.split(";") for line in lines]
        row = draw(st.integers(0, len(rows) - 1))
        cell = draw(st.integers(0, len(rows[row]) - 1))
        rows[row][cell] = draw(st.text(max_size=30).map(lambda t: t.replace(";", "")))
        return "\n".join(";".join(r) for r in rows).encode(
            draw(st.sampled_from(["utf-8", "cp1252"])), "replace"
        )

    return st.one_of(st.binary(max_size=300), edited(), st.sampled_from([b"", CSV[:50]]))


@FUZZ
@given(content=csv_contents(), suffix=st.sampled_from([".csv", ".xlsx", ".ods"]))
def test_import_reads_any_spreadsheet(
    capsys: pytest.CaptureFixture[str], folder: Path, offline: None, content: bytes, suffix: str
) -> None:
    path = folder / f"contrats{suffix}"
    path.write_bytes(content)
    assert_handled(*run(capsys, "import", "--dry-run", str(path)))


def test_the_fuzzed_documents_start_from_valid_ones(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, offline: None
) -> None:
    terms, scenario = tmp_path / "termes.json", tmp_path / "scenario.json"
    terms.write_text(json.dumps(RICH_TERMS, default=str))  # the TOML's dates as ISO text
    scenario.write_text(json.dumps(SCENARIO))
    assert run(capsys, "calendar", "--terms", str(terms))[0] == 0
    assert run(capsys, "simulate", "--quiet", str(scenario))[0] == 0
    assert run(capsys, "import", "--dry-run", str(EXAMPLES / "import-contrats.csv"))[0] == 0


# Each reproduction of issue 9, item 9, and the places a path can point at.
@pytest.mark.parametrize(
    ("command", "content", "message"),
    [
        ("calendar", b"\xff\xfe{}", "n'est pas un texte UTF-8"),
        ("calendar", b"", "le fichier est vide"),
        ("calendar", DEEP.encode(), "trop imbriqué"),
        ("calendar", b'{"a":' * 5_000 + b"1" + b"}" * 5_000, "trop imbriqué"),
        ("calendar", b"[" * 500 + b"]" * 500, "trop imbriqué"),
        ("simulate", b'{"terms": 5, "actions": []}', "« terms » : attendu un objet"),
        ("simulate", VALID_TERMS_AND + b'"actions": 5}', "« actions » : attendu une liste"),
        ("simulate", VALID_TERMS_AND + b'"start": "hier"}', "start : « hier » n'est pas"),
        ("simulate", VALID_TERMS_AND + b'"imported": "non"}', "« imported » : attendu true"),
        ("simulate", b"\x89PNG\r\n\x1a\n\x00", "n'est pas un texte UTF-8"),
        ("simulate", DEEP.encode(), "trop imbriqué"),
    ],
)
def test_bad_documents_are_explained(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    offline: None,
    command: str,
    content: bytes,
    message: str,
) -> None:
    path = tmp_path / "document.json"
    path.write_bytes(content)
    argv = ("calendar", "--terms", str(path)) if command == "calendar" else (command, str(path))
    code, output = run(capsys, *argv)
    assert code == 2
    assert message in output
    assert "Traceback" not in output


def test_deeply_nested_toml_is_explained(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "termes.toml"
    path.write_text("a = " + DEEP)
    code, output = run(capsys, "calendar", "--terms", str(path))
    assert (code, "trop imbriqué" in output) == (2, True), output


@pytest.mark.parametrize(
    "argv",
    [
        ("calendar", "--terms", "{dir}"),
        ("simulate", "{dir}"),
        ("import", "{dir}"),
        ("import", "--template", "{dir}/sous-dossier.csv/"),
        ("calendar", "--start", "2024-01-01", "--years", "5", "--ics", "{dir}"),
    ],
)
def test_a_folder_instead_of_a_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, argv: tuple[str, ...]
) -> None:
    (tmp_path / "sous-dossier.csv").mkdir()
    code, output = run(capsys, *(arg.format(dir=tmp_path) for arg in argv))
    assert code == 2
    assert "est un dossier" in output, output


@pytest.mark.parametrize(
    "argv",
    [
        ("calendar", "--terms", "{dir}/absent.json"),
        ("simulate", "{dir}/absent.json"),
        ("import", "{dir}/absent.csv"),
    ],
)
def test_a_missing_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, argv: tuple[str, ...]
) -> None:
    code, output = run(capsys, *(arg.format(dir=tmp_path) for arg in argv))
    assert code == 2
    assert "fichier introuvable" in output, output


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("CPOM_API_PORT", "huit-mille", "CPOM_API_PORT : « huit-mille » : nombre entier attendu"),
        ("CPOM_SMTP_STARTTLS", "peut-être", "true ou false attendu"),
        ("CPOM_TEMPORAL_ADDRESS", "localhost", "attendu hôte:port, par exemple localhost:7233"),
        ("CPOM_TEMPORAL_ADDRESS", "temporal:port", "attendu hôte:port"),
        # A key refused is not echoed (c2VjcmV0: "secret" in base64).
        (
            "CPOM_ENCRYPTION_KEYS",
            "cle-2026:c2VjcmV0",
            "CPOM_ENCRYPTION_KEYS : clé « cle-2026 » : 6 octets au lieu de 32 (AES-256)\n",
        ),
        ("CPOM_CODEC_ALLOWED_ORIGIN", "http://127.0.0.1:8233/", "sans chemin"),
        ("CPOM_DATABASE_URL", "nimporte", "CPOM_DATABASE_URL n'est pas une URL SQLAlchemy"),
        (
            "CPOM_DATABASE_URL",
            # The port is chosen when the test runs: one chosen at collection would be taken by
            # then, and would name the test differently in each process of a parallel run.
            "postgresql+psycopg://cpom:secret@127.0.0.1:{free_port}/cpom",
            "base de l'application injoignable",
        ),
    ],
)
def test_bad_settings_are_explained(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    variable: str,
    value: str,
    message: str,
) -> None:
    monkeypatch.setenv(variable, value.replace("{free_port}", str(free_port())))
    get_settings.cache_clear()
    try:
        code, output = run(capsys, "token", "list")
    finally:
        get_settings.cache_clear()
    assert code == 2
    assert message in output
    assert "secret" not in output
    assert "c2VjcmV0" not in output


def test_an_unexpected_failure_is_short_and_points_to_debug(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug of cpom is not an input error: exit 1, one French line, the trace on --debug."""

    def broken(*_: object) -> None:
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr("cpom.cli.calendar_command.build_calendar", broken)
    argv = ("calendar", "--start", "2024-01-01", "--years", "5")
    code, output = run(capsys, *argv)
    assert code == 1
    assert "erreur inattendue (ZeroDivisionError" in output
    assert "--debug" in output
    assert "Traceback" not in output
    with pytest.raises(ZeroDivisionError):
        main(["--debug", *argv])


@pytest.mark.parametrize(
    ("content", "argv"),
    [
        (b"\xff\xfe{}", ("calendar", "--terms")),
        (b'{"terms": 5}', ("simulate",)),
        (DEEP.encode(), ("calendar", "--terms")),
    ],
)
def test_the_installed_command_shows_no_traceback(
    tmp_path: Path, content: bytes, argv: tuple[str, ...]
) -> None:
    path = tmp_path / "document.json"
    path.write_bytes(content)
    done = subprocess.run(
        [sys.executable, "-m", "cpom.cli.main", *argv, str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("cpom : ")
    assert "Traceback" not in done.stderr
