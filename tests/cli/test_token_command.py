from collections.abc import Iterator
from pathlib import Path

import pytest

from cpom.access import Role, authenticate
from cpom.cli.main import main
from cpom.db.engine import make_engine
from cpom.settings import get_settings


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'cpom.db'}"
    monkeypatch.setenv("CPOM_DATABASE_URL", url)
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


def test_a_token_is_printed_once_and_stored_hashed(
    database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(
            [
                "token",
                "create",
                "--role",
                "gestionnaire",
                "--gestionnaire",
                "732829320",
                "--name",
                "sad-exemple",
            ]
        )
        == 0
    )
    token = capsys.readouterr().out.strip()
    assert token.startswith("cpom_")
    principal = authenticate(make_engine(database), token)
    assert principal is not None
    assert (principal.role, principal.siren, principal.actor) == (
        Role.GESTIONNAIRE,
        "732829320",
        "gestionnaire:sad-exemple",
    )
    assert token not in Path(database.removeprefix("sqlite:///")).read_bytes().decode("latin-1")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--role", "gestionnaire"], "SIREN valide"),
        (["--role", "gestionnaire", "--gestionnaire", "123456789"], "SIREN valide"),
        (["--role", "agent", "--gestionnaire", "732829320"], "qu'avec --role gestionnaire"),
    ],
)
def test_bad_token_requests(
    database: str, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert main(["token", "create", *argv]) == 2
    assert message in capsys.readouterr().err


def test_db_upgrade_migrates_the_configured_database(
    database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["db", "upgrade"]) == 0
    assert "schéma à jour" in capsys.readouterr().out
    assert Path(database.removeprefix("sqlite:///")).exists()
