"""The codec routes the Temporal Web UI calls: a supervisor reads a contract's encrypted history
in clear; nobody else may; the UI's origin alone may call them from the browser."""

import base64
import os
from collections.abc import AsyncIterator
from typing import Any

import pytest_asyncio
from google.protobuf import json_format
from pydantic import SecretStr

from cpom.messages import workflow_id
from cpom.settings import Settings
from cpom.simulation import LifeSimulator
from tests.api.conftest import Stack, stack_over
from tests.api.test_contracts_api import TERMS

UI = "http://127.0.0.1:8233"
KEYS = f"cle-2026:{base64.b64encode(os.urandom(32)).decode()}"


@pytest_asyncio.fixture
async def encrypted() -> AsyncIterator[Stack]:
    """The API and the worker with encryption keys."""
    async with (
        LifeSimulator(Settings(encryption_keys=SecretStr(KEYS))) as life,
        stack_over(life) as stack,
    ):
        yield stack


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def ui_payload(value: str) -> dict[str, Any]:
    """A payload as the UI sends it: protobuf JSON, every bytes field in base64."""
    return {"metadata": {"encoding": b64("json/plain")}, "data": b64(f'"{value}"')}


async def started_input(stack: Stack) -> dict[str, Any]:
    """The input of the contract's workflow, as the UI reads it from the history."""
    created = await stack.http.post("/contracts", json={"terms": TERMS, "imported": True})
    assert created.status_code == 201, created.text
    handle = stack.life.env.client.get_workflow_handle(workflow_id(TERMS["reference"]))
    history = await handle.fetch_history()
    started = history.events[0].workflow_execution_started_event_attributes
    return json_format.MessageToDict(started.input)


async def test_a_supervisor_reads_the_history_in_clear(encrypted: Stack) -> None:
    payloads = await started_input(encrypted)
    [sealed] = payloads["payloads"]
    assert base64.b64decode(sealed["metadata"]["encoding"]) == b"binary/encrypted"
    answer = await encrypted.http.post(
        "/codec/decode", json=payloads, headers=encrypted.as_("superviseur")
    )
    assert answer.status_code == 200, answer.text
    [clear] = answer.json()["payloads"]
    assert base64.b64decode(clear["metadata"]["encoding"]) == b"json/plain"
    assert TERMS["gestionnaire"]["raison_sociale"] in base64.b64decode(clear["data"]).decode()


async def test_encode_then_decode_gives_the_payloads_back(encrypted: Stack) -> None:
    sent = {"payloads": [ui_payload("Département d'Ille-et-Vilaine"), ui_payload("x")]}
    headers = encrypted.as_("superviseur")
    encoded = await encrypted.http.post("/codec/encode", json=sent, headers=headers)
    assert encoded.status_code == 200, encoded.text
    for payload in encoded.json()["payloads"]:
        assert base64.b64decode(payload["metadata"]["encryption-key-id"]) == b"cle-2026"
        assert "Ille-et-Vilaine" not in base64.b64decode(payload["data"]).decode("latin-1")
    decoded = await encrypted.http.post("/codec/decode", json=encoded.json(), headers=headers)
    assert decoded.json() == sent


async def test_only_supervisors_may_call_the_codec(encrypted: Stack) -> None:
    payloads = await started_input(encrypted)
    for who, status in (("agent", 403), ("sad", 403), ("superviseur", 200)):
        answer = await encrypted.http.post(
            "/codec/decode", json=payloads, headers=encrypted.as_(who)
        )
        assert answer.status_code == status, who
    refused = await encrypted.http.post(
        "/codec/decode", json=payloads, headers=encrypted.as_("agent")
    )
    assert refused.json()["detail"] == (
        "le codec des données de Temporal est réservé aux superviseurs"
    )
    anonymous = await encrypted.http.post(
        "/codec/decode", json=payloads, headers={"Authorization": ""}
    )
    assert anonymous.status_code == 401
    assert "manquant" in anonymous.json()["detail"]


async def test_the_ui_calls_it_with_the_dashboard_session_from_its_origin(
    encrypted: Stack,
) -> None:
    payloads = await started_input(encrypted)
    preflight = await encrypted.http.options(
        "/codec/decode",
        headers={
            "Origin": UI,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type,x-namespace",
        },
    )
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == UI
    assert preflight.headers["access-control-allow-credentials"] == "true"
    assert "x-namespace" in preflight.headers["access-control-allow-headers"]
    answer = await encrypted.http.post(
        "/codec/decode",
        json=payloads,
        headers={**encrypted.signed_in("superviseur"), "Origin": UI, "X-Namespace": "default"},
    )
    assert answer.status_code == 200, answer.text
    assert answer.headers["access-control-allow-origin"] == UI
    assert answer.headers["access-control-allow-credentials"] == "true"
    agent = await encrypted.http.post(
        "/codec/decode", json=payloads, headers={**encrypted.signed_in("agent"), "Origin": UI}
    )
    assert agent.status_code == 403


async def test_another_origin_is_refused(encrypted: Stack) -> None:
    preflight = await encrypted.http.options(
        "/codec/decode",
        headers={"Origin": "https://ailleurs.example", "Access-Control-Request-Method": "POST"},
    )
    assert preflight.status_code == 403
    assert "origine https://ailleurs.example non autorisée" in preflight.json()["detail"]
    answer = await encrypted.http.post(
        "/codec/decode",
        json={"payloads": []},
        headers={**encrypted.as_("superviseur"), "Origin": "https://ailleurs.example"},
    )
    assert "access-control-allow-origin" not in answer.headers
    # Other routes answer no cross-origin call.
    other = await encrypted.http.options(
        "/contracts", headers={"Origin": UI, "Access-Control-Request-Method": "GET"}
    )
    assert "access-control-allow-origin" not in other.headers


async def test_undecryptable_or_malformed_payloads_are_explained(encrypted: Stack) -> None:
    headers = encrypted.as_("superviseur")
    foreign = {
        "metadata": {"encoding": b64("binary/encrypted"), "encryption-key-id": b64("cle-2020")},
        "data": b64("n'importe quoi"),
    }
    unknown = await encrypted.http.post(
        "/codec/decode", json={"payloads": [foreign]}, headers=headers
    )
    assert unknown.status_code == 422
    assert "« cle-2020 », absente de CPOM_ENCRYPTION_KEYS" in unknown.json()["detail"]
    malformed = await encrypted.http.post(
        "/codec/decode", json={"payloads": [{"data": "pas du base64 !"}]}, headers=headers
    )
    assert malformed.status_code == 422
    assert "base64" in malformed.json()["detail"]


async def test_without_keys_payloads_pass_as_they_are(stack: Stack) -> None:
    sent = {"payloads": [ui_payload("x")]}
    headers = stack.as_("superviseur")
    assert (await stack.http.post("/codec/encode", json=sent, headers=headers)).json() == sent
    assert (await stack.http.post("/codec/decode", json=sent, headers=headers)).json() == sent
    sealed = {"metadata": {"encoding": b64("binary/encrypted")}, "data": b64("x")}
    refused = await stack.http.post("/codec/decode", json={"payloads": [sealed]}, headers=headers)
    assert refused.status_code == 422
    assert "CPOM_ENCRYPTION_KEYS est vide" in refused.json()["detail"]


async def test_without_keys_the_compressed_history_reads_in_clear(stack: Stack) -> None:
    """A contract's input, compressed (it is larger than 512 bytes), is what the UI shows
    through the codec; a compressed payload that does not inflate is explained."""
    payloads = await started_input(stack)
    [packed] = payloads["payloads"]
    assert base64.b64decode(packed["metadata"]["encoding"]) == b"binary/zlib"
    headers = stack.as_("superviseur")
    answer = await stack.http.post("/codec/decode", json=payloads, headers=headers)
    assert answer.status_code == 200, answer.text
    [clear] = answer.json()["payloads"]
    assert base64.b64decode(clear["metadata"]["encoding"]) == b"json/plain"
    assert TERMS["gestionnaire"]["raison_sociale"] in base64.b64decode(clear["data"]).decode()
    broken = {"metadata": {"encoding": b64("binary/zlib")}, "data": b64("pas du zlib")}
    refused = await stack.http.post("/codec/decode", json={"payloads": [broken]}, headers=headers)
    assert refused.status_code == 422
    assert refused.json()["detail"] == "donnée compressée illisible : altérée ou tronquée"
