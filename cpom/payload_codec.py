"""Payloads encrypted before they reach Temporal: AES-GCM, the key's id in each payload's metadata.

Temporal's database holds every contract's terms, its decisions and the messages of its
activities. With `CPOM_ENCRYPTION_KEYS` set, every client and worker of cpom encrypts them, so
the database holds ciphertext only. Keys rotate by putting a new one first: it encrypts from
then on, and the others still decrypt what they encrypted. A payload written in clear (a history
recorded before encryption was turned on) is decoded as it is.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec

from cpom.payload_compression import UnreadablePayload

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

ENCODING = b"binary/encrypted"
KEY_ID = "encryption-key-id"
KEY_BYTES = 32  # AES-256
NONCE_BYTES = 12  # GCM's standard nonce, random for every payload
# Ids travel in every payload's metadata and separate the entries of the setting.
KEY_ID_SHAPE = re.compile(r"[A-Za-z0-9._-]{1,64}")
KEYS_SETTING = "CPOM_ENCRYPTION_KEYS"


@dataclass(frozen=True)
class EncryptionKey:
    key_id: str
    secret: bytes = field(repr=False)


class UndecryptablePayload(UnreadablePayload):
    """An encrypted payload none of the keys can open; the message is French."""


def parse_keys(text: str) -> list[EncryptionKey]:
    """The keys of `text`, `id:base64key` entries separated by commas, the first one encrypting;
    ValueError with a French message for an entry that is not a 32-byte key under a valid id."""
    keys: list[EncryptionKey] = []
    for position, entry in enumerate((e.strip() for e in text.split(",") if e.strip()), 1):
        key_id, colon, encoded = entry.partition(":")
        if not colon or not KEY_ID_SHAPE.fullmatch(key_id):
            raise ValueError(
                f"entrée n° {position} : attendu identifiant:clé, l'identifiant fait de 1 à 64 "
                "lettres, chiffres, points, tirets ou soulignés"
            )
        try:
            secret = base64.b64decode(encoded, validate=True)
        except binascii.Error:
            raise ValueError(f"clé « {key_id} » : pas en base64") from None
        if len(secret) != KEY_BYTES:
            raise ValueError(
                f"clé « {key_id} » : {len(secret)} octets au lieu de {KEY_BYTES} (AES-256)"
            )
        if any(key.key_id == key_id for key in keys):
            raise ValueError(f"identifiant de clé « {key_id} » donné deux fois")
        keys.append(EncryptionKey(key_id, secret))
    return keys


class EncryptionCodec(PayloadCodec):
    """Encrypts with the first key; decrypts with whichever key a payload names.

    The key id is authenticated with the ciphertext: a payload whose metadata were changed to
    name another key is refused, as is any altered byte.
    """

    def __init__(self, keys: Sequence[EncryptionKey]) -> None:
        if not keys:
            raise ValueError("il faut au moins une clé de chiffrement")
        # Imported with the first keys: every process reads its settings (and this module),
        # few have keys, and the library takes 50 ms to import.
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        self.current = keys[0].key_id
        self._ciphers: dict[str, AESGCM] = {key.key_id: AESGCM(key.secret) for key in keys}

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.encrypt(payload) for payload in payloads]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.decrypt(payload) for payload in payloads]

    def encrypt(self, payload: Payload) -> Payload:
        key_id = self.current.encode()
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._ciphers[self.current].encrypt(nonce, payload.SerializeToString(), key_id)
        return Payload(metadata={"encoding": ENCODING, KEY_ID: key_id}, data=nonce + sealed)

    def decrypt(self, payload: Payload) -> Payload:
        if payload.metadata.get("encoding") != ENCODING:
            return payload
        named = payload.metadata.get(KEY_ID, b"")
        key_id = named.decode("utf-8", "replace")
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            raise UndecryptablePayload(
                f"donnée chiffrée avec la clé « {key_id} », absente de {KEYS_SETTING} : "
                "garder dans ce réglage chaque clé qui a chiffré des données encore conservées"
            )
        from cryptography.exceptions import InvalidTag

        nonce, sealed = payload.data[:NONCE_BYTES], payload.data[NONCE_BYTES:]
        try:
            return Payload.FromString(cipher.decrypt(nonce, sealed, named))
        except InvalidTag:
            raise UndecryptablePayload(
                f"donnée chiffrée illisible avec la clé « {key_id} » : altérée, ou chiffrée par "
                "une autre clé du même identifiant"
            ) from None
