"""Payloads compressed before they reach Temporal: zlib, for those large enough to gain by it.

A contract's state travels in its workflow's input, in its first projection's input and in its
next run's input: 1 to 4 KB of JSON each. The Temporal core keeps the inputs of a cached run in
the worker's memory for as long as the run stays cached, and Temporal's database keeps them in
the histories. Compressed, they take half their size (a new contract's input: 1.1 KB, then
0.6; its first projection's: 1.5 KB, then 0.7): `bench wave` measured 91 to 116 KiB per cached
contract instead of 124 to 151, 1.46 to 1.86 times the bare workflow's instead of 1.93 to 2.42
(issue 12). A payload smaller than `COMPRESSED_FROM`, or one that compression would not shrink,
goes as it is.

A payload in clear is read as it is (every history recorded before, a process started with
CPOM_COMPRESS_PAYLOADS=false); a compressed one is read by every process of cpom, whatever its
settings. Encryption, when set, seals the compressed payload (`cpom.converter.CodecChain`).
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence

from google.protobuf.message import DecodeError
from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec

ENCODING = b"binary/zlib"
# Bytes of the serialized payload; a contract's state is several times as large, a date or a
# reference far smaller.
COMPRESSED_FROM = 512
# zlib's default level: 18 µs for a new contract's input, 2 µs more than the fastest level for
# an output 3 % smaller.
LEVEL = 6
# Temporal refuses payloads over 2 MB: no genuine one inflates past this.
MAX_INFLATED_BYTES = 4 * 1024 * 1024


class UnreadablePayload(ValueError):
    """A payload that cannot be decoded; the message is French."""


class CompressionCodec(PayloadCodec):
    """Compresses the payloads it encodes when `compressing`; always inflates the compressed
    ones it decodes."""

    def __init__(self, *, compressing: bool = True) -> None:
        self.compressing = compressing

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        if not self.compressing:
            return list(payloads)
        return [compressed(payload) for payload in payloads]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [inflated(payload) for payload in payloads]


def compressed(payload: Payload) -> Payload:
    """`payload` compressed, or as it is when small or when compression would not shrink it."""
    if payload.ByteSize() < COMPRESSED_FROM:  # most payloads: measured, not written out
        return payload
    whole = payload.SerializeToString()
    packed = zlib.compress(whole, LEVEL)
    if len(packed) >= len(whole):
        return payload
    return Payload(metadata={"encoding": ENCODING}, data=packed)


def inflated(payload: Payload) -> Payload:
    """The payload `payload` holds compressed, or `payload` itself when not compressed."""
    if payload.metadata.get("encoding") != ENCODING:
        return payload
    inflater = zlib.decompressobj()
    try:
        whole = inflater.decompress(payload.data, MAX_INFLATED_BYTES)
    except zlib.error:
        raise UnreadablePayload("donnée compressée illisible : altérée ou tronquée") from None
    if inflater.unconsumed_tail:
        raise UnreadablePayload(
            f"donnée compressée de plus de {MAX_INFLATED_BYTES // (1024 * 1024)} Mo une fois "
            "décompressée : refusée"
        )
    if not inflater.eof:
        raise UnreadablePayload("donnée compressée illisible : tronquée")
    try:
        return Payload.FromString(whole)
    except DecodeError:
        raise UnreadablePayload("donnée compressée illisible : contenu altéré") from None
