"""Payloads encrypted with AES-GCM under the first key of CPOM_ENCRYPTION_KEYS, decrypted with
whichever key they name; payloads in clear pass as they are."""

import base64
import os
import subprocess
import sys

import pytest
from pydantic import SecretStr
from temporalio.api.common.v1 import Payload
from temporalio.api.failure.v1 import Failure
from temporalio.exceptions import ApplicationError

from cpom.converter import data_converter, data_converter_for
from cpom.payload_codec import (
    ENCODING,
    KEY_ID,
    EncryptionCodec,
    EncryptionKey,
    UndecryptablePayload,
    parse_keys,
)
from cpom.settings import Settings

NAME = "Aide à domicile du Pays de Rennes"


def key(key_id: str) -> EncryptionKey:
    return EncryptionKey(key_id, os.urandom(32))


def entry(k: EncryptionKey) -> str:
    return f"{k.key_id}:{base64.b64encode(k.secret).decode()}"


def plain(text: str = NAME) -> Payload:
    return data_converter.payload_converter.to_payloads([text])[0]


async def test_a_payload_comes_back_as_it_was_and_is_not_readable_between() -> None:
    codec = EncryptionCodec([key("2026-01")])
    [sealed] = await codec.encode([plain()])
    assert sealed.metadata["encoding"] == ENCODING
    assert sealed.metadata[KEY_ID] == b"2026-01"
    assert NAME.encode() not in sealed.SerializeToString()
    assert await codec.decode([sealed]) == [plain()]


async def test_the_same_payload_is_encrypted_differently_each_time() -> None:
    codec = EncryptionCodec([key("k")])
    first, second = await codec.encode([plain(), plain()])
    assert first.data != second.data


async def test_a_new_first_key_encrypts_and_the_old_one_still_decrypts() -> None:
    old, new = key("2025"), key("2026")
    [before] = await EncryptionCodec([old]).encode([plain()])
    rotated = EncryptionCodec([new, old])
    [after] = await rotated.encode([plain()])
    assert after.metadata[KEY_ID] == b"2026"
    assert await rotated.decode([before, after]) == [plain(), plain()]


async def test_a_payload_of_an_unknown_key_is_refused_saying_which() -> None:
    [sealed] = await EncryptionCodec([key("2025")]).encode([plain()])
    with pytest.raises(UndecryptablePayload, match="« 2025 », absente de CPOM_ENCRYPTION_KEYS"):
        await EncryptionCodec([key("2026")]).decode([sealed])


async def test_an_altered_ciphertext_is_refused() -> None:
    codec = EncryptionCodec([key("k")])
    [sealed] = await codec.encode([plain()])
    altered = bytearray(sealed.data)
    altered[20] ^= 1
    sealed.data = bytes(altered)
    with pytest.raises(UndecryptablePayload, match="altérée"):
        await codec.decode([sealed])


async def test_a_payload_relabelled_with_another_key_id_is_refused() -> None:
    """The key id is authenticated: the same secret under another id does not open it."""
    k = key("a")
    codec = EncryptionCodec([k, EncryptionKey("b", k.secret)])
    [sealed] = await codec.encode([plain()])
    sealed.metadata[KEY_ID] = b"b"
    with pytest.raises(UndecryptablePayload, match="altérée"):
        await codec.decode([sealed])


async def test_payloads_in_clear_pass_through() -> None:
    codec = EncryptionCodec([key("k")])
    assert await codec.decode([plain(), plain("autre")]) == [plain(), plain("autre")]


def test_keys_are_read_in_order_the_first_encrypting() -> None:
    first, second = key("2026-01"), key("2025_07.b")
    assert parse_keys(f" {entry(first)} ,{entry(second)}, ") == [first, second]
    assert parse_keys("") == []


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("sans-deux-points", "attendu identifiant:clé"),
        (f"id avec espace:{base64.b64encode(bytes(32)).decode()}", "attendu identifiant:clé"),
        ("k:pas*du*base64", "clé « k » : pas en base64"),
        (f"k:{base64.b64encode(bytes(16)).decode()}", "16 octets au lieu de 32"),
        (
            f"k:{base64.b64encode(bytes(32)).decode()},k:{base64.b64encode(bytes(32)).decode()}",
            "« k » donné deux fois",
        ),
    ],
)
def test_malformed_keys_are_explained(text: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        parse_keys(text)


def test_without_keys_the_converter_is_unchanged() -> None:
    assert data_converter_for(Settings()) is data_converter
    assert Settings().names_in_search_attributes


async def test_with_keys_payloads_and_failure_messages_are_encrypted() -> None:
    settings = Settings(encryption_keys=SecretStr(entry(key("k"))))
    assert not settings.names_in_search_attributes
    converter = data_converter_for(settings)
    [sealed] = await converter.encode([NAME])
    assert NAME.encode() not in sealed.SerializeToString()
    assert await converter.decode([sealed], [str]) == [NAME]
    proto = Failure()
    await converter.encode_failure(ApplicationError(f"refusé : {NAME}"), proto)
    assert NAME.encode() not in proto.SerializeToString()
    decoded = await converter.decode_failure(proto)
    assert str(decoded) == f"refusé : {NAME}"


def test_an_empty_setting_means_no_keys() -> None:
    settings = Settings(encryption_keys=SecretStr(" "))
    assert settings.encryption_keys is None
    assert settings.names_in_search_attributes
    assert data_converter_for(settings) is data_converter


def test_without_keys_the_cryptography_library_is_not_imported() -> None:
    """Every process reads the settings and makes its converter; few have keys, and the library
    takes 50 ms to import (`cpom simulate` measured it, issue 12)."""
    probe = (
        "import sys; from cpom.settings import Settings; from cpom.converter import "
        "data_converter_for; import cpom.simulation; data_converter_for(Settings()); "
        "print('cryptography' in sys.modules)"
    )
    without = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert without.stdout.split() == ["False"]
    keyed = probe.replace("Settings()", f"Settings(encryption_keys={entry(key('k'))!r})")
    with_keys = subprocess.run(
        [sys.executable, "-c", keyed], capture_output=True, text=True, check=True
    )
    assert with_keys.stdout.split() == ["True"]
