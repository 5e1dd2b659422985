"""The payload converter: pydantic's JSON, with one type adapter per type for the whole process.

The SDK makes a payload converter for every workflow instance, and the stock pydantic converter
keeps its type adapters in that instance: each new contract, each continue-as-new and each replay
after an eviction from the cache built the schema of the whole `ContractInput` tree again (7 ms and
179 KiB per instance, measured in issue 12). Here the adapters live in the module, which the
workflow sandbox passes through, so a schema is built once per process. The bytes written are
those of `pydantic_data_converter`: histories recorded with it replay unchanged.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import TYPE_CHECKING, Any

from pydantic import TypeAdapter
from temporalio.contrib.pydantic import PydanticJSONPlainPayloadConverter
from temporalio.converter import (
    CompositePayloadConverter,
    DataConverter,
    DefaultFailureConverterWithEncodedAttributes,
    DefaultPayloadConverter,
    JSONPlainPayloadConverter,
)

from cpom.payload_codec import EncryptionCodec

if TYPE_CHECKING:
    from cpom.settings import Settings

# Keyed by type: the message types are few and live as long as the process.
_process_adapters = functools.lru_cache(maxsize=256)(TypeAdapter)


class SharedAdaptersJSONConverter(PydanticJSONPlainPayloadConverter):
    """pydantic JSON whose type adapters are shared by every converter of the process."""

    def __init__(self) -> None:
        super().__init__()
        self._type_adapter = _process_adapters

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        self._type_adapter = _process_adapters


class CpomPayloadConverter(CompositePayloadConverter):
    """The SDK's default converters, with the JSON one replaced by the shared-adapter one."""

    def __init__(self) -> None:
        shared = SharedAdaptersJSONConverter()
        super().__init__(
            *(
                shared if isinstance(converter, JSONPlainPayloadConverter) else converter
                for converter in DefaultPayloadConverter.default_encoding_payload_converters
            )
        )


data_converter = DataConverter(payload_converter_class=CpomPayloadConverter)
"""The data converter of every client and worker of cpom, payloads in clear."""


def data_converter_for(settings: Settings) -> DataConverter:
    """The data converter of `settings`: with encryption keys, payloads are encrypted and so are
    failures' messages and stack traces (Temporal keeps them in clear otherwise, and a refusal
    may quote the contract). The codec runs in the client and the worker, outside the sandbox."""
    keys = settings.encryption_key_list
    if not keys:
        return data_converter
    return dataclasses.replace(
        data_converter,
        payload_codec=EncryptionCodec(keys),
        failure_converter_class=DefaultFailureConverterWithEncodedAttributes,
    )


def adapters_built() -> int:
    """How many type adapters this process has built (for the tests and the benchmarks)."""
    return _process_adapters.cache_info().misses
