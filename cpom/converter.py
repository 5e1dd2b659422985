"""The payload converter: pydantic's JSON, with one type adapter per type for the whole process.

The SDK makes a payload converter for every workflow instance, and the stock pydantic converter
keeps its type adapters in that instance: each new contract, each continue-as-new and each replay
after an eviction from the cache built the schema of the whole `ContractInput` tree again (7 ms and
179 KiB per instance, measured in issue 12). Here the adapters live in the module, which the
workflow sandbox passes through, so a schema is built once per process.

A message (one of the dataclasses of `cpom.messages`) is written without the fields at their
default value; everything else as `pydantic_data_converter` writes it. Payloads written in full,
as every history recorded before, read back the same. Large payloads are then compressed
(`cpom.payload_compression`), and encrypted when keys are set (`cpom.payload_codec`).
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from pydantic import TypeAdapter
from temporalio import workflow
from temporalio.api.common.v1 import Payload
from temporalio.contrib.pydantic import PydanticJSONPlainPayloadConverter
from temporalio.converter import (
    CompositePayloadConverter,
    DataConverter,
    DefaultFailureConverterWithEncodedAttributes,
    DefaultPayloadConverter,
    JSONPlainPayloadConverter,
    PayloadCodec,
)

from cpom.payload_codec import EncryptionCodec
from cpom.payload_compression import CompressionCodec

if TYPE_CHECKING:
    from cpom.settings import Settings

# Keyed by type: the message types are few and live as long as the process.
_process_adapters = functools.lru_cache(maxsize=256)(TypeAdapter)
MESSAGES = "cpom.messages"
# The messages written without their defaults, with their adapter (see `_compact`).
_compact_adapters: dict[type, TypeAdapter[Any]] = {}


def prepare_compact(*kinds: type) -> None:
    """Build the adapters of the messages a workflow writes, outside its sandbox: there pydantic
    would import the modules of their fields' types afresh, and cannot (see `_compact`)."""
    for kind in kinds:
        _compact_adapters[kind] = _process_adapters(kind)


class SharedAdaptersJSONConverter(PydanticJSONPlainPayloadConverter):
    """pydantic JSON whose type adapters are shared by every converter of the process; a
    message (a dataclass) is written without the fields that hold their default value."""

    def __init__(self) -> None:
        super().__init__()
        self._type_adapter = _process_adapters

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        self._type_adapter = _process_adapters

    def to_payload(self, value: Any) -> Payload | None:
        data = _compact(value)
        if data is None:
            return super().to_payload(value)
        return Payload(metadata={"encoding": self.encoding.encode()}, data=data)


def _compact(value: Any) -> bytes | None:
    """`value`'s JSON without its fields at their default, or None for a value that is not a
    message, or a message first written inside a workflow's sandbox (see `prepare_compact`).

    A new contract's input went from 2.9 to 1.1 KB, and so did its first projection's: the
    worker keeps a run's inputs in memory while the run is cached, and `bench wave` measured
    156 KiB per cached contract instead of 169 (means of four runs each, issue 12). Read back, an
    absent field takes its default: tests/workflows/test_converter.py freezes every message's
    defaults, so that a default changed later cannot change what a running contract's payloads
    say."""
    kind: type = type(value)
    # Only the messages, whose defaults the test freezes (and those of the types they hold).
    if kind.__module__ != MESSAGES or not dataclasses.is_dataclass(value):
        return None
    adapter = _compact_adapters.get(kind)
    if adapter is None:
        if workflow.unsafe.in_sandbox():
            return None
        adapter = _compact_adapters[kind] = _process_adapters(kind)
    # Written by the declared type of each field, where the stock converter reads each value's
    # own type: the same as long as no message field holds a subclass of its type (checked by
    # tests/workflows/test_converter.py).
    return adapter.dump_json(value, exclude_defaults=True)


# One for the process: it keeps no state of its own (its adapters are the module's), and the
# SDK makes a payload converter for every workflow instance and for each payload context of its
# commands (a local activity's input), each of which built this one anew (issue 12).
_SHARED_JSON = SharedAdaptersJSONConverter()


class CpomPayloadConverter(CompositePayloadConverter):
    """The SDK's default converters, with the JSON one replaced by the shared-adapter one."""

    def __init__(self) -> None:
        super().__init__(
            *(
                _SHARED_JSON if isinstance(converter, JSONPlainPayloadConverter) else converter
                for converter in DefaultPayloadConverter.default_encoding_payload_converters
            )
        )


class CodecChain(PayloadCodec):
    """Codecs applied in turn: each encodes what the one before encoded; decoding goes back."""

    def __init__(self, *codecs: PayloadCodec) -> None:
        self.codecs = codecs

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        encoded = list(payloads)
        for codec in self.codecs:
            encoded = await codec.encode(encoded)
        return encoded

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        decoded = list(payloads)
        for codec in reversed(self.codecs):
            decoded = await codec.decode(decoded)
        return decoded


COMPRESSING = CompressionCodec()
IN_CLEAR = CompressionCodec(compressing=False)

data_converter = DataConverter(
    payload_converter_class=CpomPayloadConverter, payload_codec=COMPRESSING
)
"""The data converter of every client and worker of cpom with the default settings: large
payloads compressed, none encrypted."""


def data_converter_for(settings: Settings) -> DataConverter:
    """The data converter of `settings`. Compressed payloads are read whatever the settings.
    With encryption keys, payloads are encrypted (once compressed: encrypted bytes do not
    compress) and so are failures' messages and stack traces (Temporal keeps them in clear
    otherwise, and a refusal may quote the contract). The codecs run in the client and the
    worker, outside the sandbox."""
    compression = COMPRESSING if settings.compress_payloads else IN_CLEAR
    keys = settings.encryption_key_list
    if not keys:
        if compression is COMPRESSING:
            return data_converter
        return dataclasses.replace(data_converter, payload_codec=compression)
    return dataclasses.replace(
        data_converter,
        payload_codec=CodecChain(compression, EncryptionCodec(keys)),
        failure_converter_class=DefaultFailureConverterWithEncodedAttributes,
    )


def encrypts(converter: DataConverter) -> bool:
    """Whether `converter` encrypts (and so decrypts) payloads."""
    codec = converter.payload_codec
    codecs = codec.codecs if isinstance(codec, CodecChain) else (codec,)
    return any(isinstance(each, EncryptionCodec) for each in codecs)


def adapters_built() -> int:
    """How many type adapters this process has built (for the tests and the benchmarks)."""
    return _process_adapters.cache_info().misses
