import contextlib
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from cpom.access import Role, authenticate, list_tokens, paris_today
from cpom.cli.main import main
from cpom.cli.token_command import tokens_table
from cpom.db.engine import make_engine
from cpom.domain.date_law import anniversary
from cpom.settings import get_settings


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'cpom.db'}"
    monkeypatch.setenv("CPOM_DATABASE_URL", url)
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


SOPHIE = ["--name", "Sophie Bernard", "--email", "sophie.bernard@sad-exemple.example"]


def create(*argv: str) -> int:
    return main(["token", "create", *argv])


def test_a_token_is_printed_once_and_stored_hashed(
    database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert create("--role", "gestionnaire", "--gestionnaire", "732829320", *SOPHIE) == 0
    token = capsys.readouterr().out.strip()
    assert token.startswith("cpom_")
    principal = authenticate(make_engine(database), token)
    assert principal is not None
    assert (principal.role, principal.siren, principal.email, principal.actor) == (
        Role.GESTIONNAIRE,
        "732829320",
        "sophie.bernard@sad-exemple.example",
        "Sophie Bernard (gestionnaire)",
    )
    assert principal.expires_on == anniversary(paris_today(), 1)
    assert principal.authority_scope is None  # a gestionnaire reads by its SIREN
    assert token not in Path(database.removeprefix("sqlite:///")).read_bytes().decode("latin-1")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--role", "gestionnaire", *SOPHIE], "SIREN valide"),
        (["--role", "gestionnaire", "--gestionnaire", "123456789", *SOPHIE], "SIREN valide"),
        (
            ["--role", "agent", "--gestionnaire", "732829320", *SOPHIE],
            "qu'avec --role gestionnaire",
        ),
        (["--role", "agent"], "arguments obligatoires manquants : --name, --email"),
        (["--role", "agent", "--name", "Sophie Bernard"], "manquants : --email"),
        (["--role", "agent", "--name", " ", "--email", "s@b.fr"], "nom du titulaire"),
        (
            ["--role", "agent", "--name", "Sophie Bernard", "--email", "sophie.bernard"],
            "adresse électronique « sophie.bernard » invalide",
        ),
        (["--role", "agent", *SOPHIE, "--expires", "2020-01-31"], "31/01/2020 est déjà passée"),
        (
            ["--role", "gestionnaire", "--gestionnaire", "732829320", *SOPHIE, "--authority", "x"],
            "--authority ne s'emploie qu'avec --role agent ou supervisor",
        ),
        (["--role", "agent", *SOPHIE, "--authority", "cd 35"], "identifiant d'autorité « cd 35 »"),
        (["--role", "agent", *SOPHIE, "--authority", "x" * 81], "dépasse 80 caractères"),
        (["--role", "agent", *SOPHIE, "--expires", "2030-02-30"], "la date 2030-02-30 n'existe"),
    ],
)
def test_bad_token_requests(
    database: str, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    with contextlib.suppress(SystemExit):  # argparse's own errors exit directly
        assert create(*argv) == 2
    assert message in capsys.readouterr().err
    assert list_tokens(make_engine(database)) == []


def test_tokens_are_listed_with_their_state_and_revoked_once(
    database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    today = paris_today()
    engine = make_engine(database)
    assert create("--role", "gestionnaire", "--gestionnaire", "732829320", *SOPHIE) == 0
    marie = ["--name", "Marie Dupont", "--email", "marie.dupont@ille-et-vilaine.example"]
    marie_scope = ["--authority", "cd35", "--expires", today.isoformat()]
    assert create("--role", "supervisor", *marie, *marie_scope) == 0
    assert create("--role", "agent", "--name", "Paul Martin", "--email", "paul@ex.fr") == 0
    capsys.readouterr()
    assert main(["token", "revoke", "3"]) == 0
    assert capsys.readouterr().out == "Jeton n° 3 de Paul Martin révoqué : il ne sert plus.\n"
    assert main(["token", "revoke", "3"]) == 0
    assert f"déjà révoqué le {today:%d/%m/%Y} : rien n'a changé" in capsys.readouterr().out
    assert main(["token", "revoke", "42"]) == 2
    assert "jeton n° 42 inconnu" in capsys.readouterr().err
    # Past any id the database holds (found by probing: an unexpected OverflowError).
    assert main(["token", "revoke", "99999999999999999999999"]) == 2
    assert "jeton n° 99999999999999999999999 inconnu" in capsys.readouterr().err

    assert main(["token", "list"]) == 0
    rows = [re.split(r"\s{2,}", line) for line in capsys.readouterr().out.splitlines()]
    assert rows[0] == [
        "N°",
        "Nom",
        "Courriel",
        "Rôle",
        "SIREN",
        "Autorité",
        "Créé le",
        "Expire le",
        "État",
    ]
    day, in_a_year = f"{today:%d/%m/%Y}", f"{anniversary(today, 1):%d/%m/%Y}"
    assert rows[2:] == [
        [
            *("1", "Sophie Bernard", SOPHIE[3], "gestionnaire", "732829320", "—"),
            *(day, in_a_year, "actif"),
        ],
        ["2", "Marie Dupont", marie[3], "superviseur", "—", "cd35", day, day, "actif"],
        [
            *("3", "Paul Martin", "paul@ex.fr", "agent", "—", "nationale"),
            *(day, in_a_year, f"révoqué le {day}"),
        ],
    ]
    # The day after its last day, the supervisor's token reads as expired.
    tomorrow = tokens_table(list_tokens(engine), today + timedelta(days=1)).splitlines()
    assert tomorrow[3].endswith(f"expiré le {day}")


def test_a_token_scoped_to_an_authority_reads_only_its_contracts(
    database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert create("--role", "agent", *SOPHIE, "--authority", " cd35 ") == 0
    principal = authenticate(make_engine(database), capsys.readouterr().out.strip())
    assert principal is not None
    assert (principal.authority, principal.authority_scope) == ("cd35", "cd35")


def test_an_empty_list_says_how_to_create_a_token(
    database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["token", "list"]) == 0
    assert "Aucun jeton" in capsys.readouterr().out


def test_db_upgrade_migrates_the_configured_database(
    database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["db", "upgrade"]) == 0
    assert "schéma à jour" in capsys.readouterr().out
    assert Path(database.removeprefix("sqlite:///")).exists()
