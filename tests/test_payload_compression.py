"""Payloads of 512 bytes or more compressed with zlib before they reach Temporal, then encrypted
when keys are set; compressed payloads read by every process whatever its settings, payloads in
clear as they are."""

import base64
import os
import zlib

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import SecretStr
from temporalio.api.common.v1 import Payload

from cpom.converter import data_converter, data_converter_for, encrypts
from cpom.payload_codec import ENCODING as ENCRYPTED
from cpom.payload_compression import (
    COMPRESSED_FROM,
    ENCODING,
    CompressionCodec,
    UnreadablePayload,
    compressed,
    inflated,
)
from cpom.settings import Settings

# A contract's terms say the same words again and again, as this does.
STATE = {"gestionnaire": "Aide à domicile du Pays de Rennes", "items": ["documents:2025"] * 60}


def payload(value: object) -> Payload:
    return data_converter.payload_converter.to_payloads([value])[0]


def keys() -> str:
    return f"k:{base64.b64encode(os.urandom(32)).decode()}"


async def test_a_large_payload_is_compressed_and_read_back_as_it_was() -> None:
    sent = payload(STATE)
    [packed] = await CompressionCodec().encode([sent])
    assert packed.metadata["encoding"] == ENCODING
    assert len(packed.SerializeToString()) < len(sent.SerializeToString()) / 4
    assert b"Rennes" not in packed.data
    assert await CompressionCodec().decode([packed]) == [sent]


async def test_small_and_incompressible_payloads_go_as_they_are() -> None:
    small = payload("CPOM-35-SAD-2024")
    noise = Payload(metadata={"encoding": b"binary/plain"}, data=os.urandom(4 * COMPRESSED_FROM))
    assert await CompressionCodec().encode([small, noise]) == [small, noise]


async def test_a_process_that_does_not_compress_still_reads_compressed_payloads() -> None:
    sent = payload(STATE)
    converter = data_converter_for(Settings(compress_payloads=False))
    assert converter is not data_converter
    assert await converter.encode([STATE]) == [sent]
    [packed] = await data_converter.encode([STATE])
    assert packed.metadata["encoding"] == ENCODING
    assert await converter.decode([packed], [dict]) == [STATE]


async def test_with_keys_the_compressed_payload_is_encrypted() -> None:
    converter = data_converter_for(Settings(encryption_keys=SecretStr(keys())))
    assert encrypts(converter)
    assert not encrypts(data_converter)
    [sealed] = await converter.encode([STATE])
    assert sealed.metadata["encoding"] == ENCRYPTED
    # Under the seal, the compressed payload: encrypted bytes would not compress.
    [inner] = await converter.payload_codec.codecs[1].decode([sealed])  # type: ignore[union-attr]
    assert inner.metadata["encoding"] == ENCODING
    assert await converter.decode([sealed], [dict]) == [STATE]


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"not zlib at all", "illisible : altérée ou tronquée"),
        (zlib.compress(payload(STATE).SerializeToString())[:-10], "illisible : tronquée"),
        (zlib.compress(b"\xff" * 40), "illisible : contenu altéré"),
        (zlib.compress(bytes(5 * 1024 * 1024)), "de plus de 4 Mo une fois décompressée"),
    ],
    ids=["garbage", "truncated", "not a payload", "bomb"],
)
def test_an_unreadable_compressed_payload_is_refused_in_french(data: bytes, problem: str) -> None:
    with pytest.raises(UnreadablePayload, match=problem):
        inflated(Payload(metadata={"encoding": ENCODING}, data=data))


@given(
    metadata=st.dictionaries(st.text(min_size=1, max_size=20), st.binary(max_size=40), max_size=3),
    data=st.binary(max_size=3 * COMPRESSED_FROM) | st.text(max_size=2000).map(str.encode),
)
def test_every_payload_comes_back_as_it_was(metadata: dict[str, bytes], data: bytes) -> None:
    sent = Payload(metadata=metadata, data=data)
    packed = compressed(sent)
    assert packed is sent or len(packed.SerializeToString()) < len(sent.SerializeToString())
    assert inflated(packed) == sent
