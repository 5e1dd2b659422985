"""Temporal's remote codec protocol, so that its Web UI shows the encrypted or compressed payloads
in clear.

POST /codec/decode and /codec/encode take and give `{"payloads": [...]}`, each payload in
protobuf's JSON form (metadata values and data in base64). National supervisors alone may call
them (a supervisor scoped to an authority may not: a payload does not say whose contract it
belongs to, and the Web UI lists every workflow of the namespace): with
their bearer token, or with the dashboard's session cookie, which the UI sends from the browser
when its "Include cross-origin credentials" is on (`api.codec_cors` lets it through).
"""

import base64
import binascii
from typing import Annotated, Any

from fastapi import APIRouter, Cookie, Depends, HTTPException
from google.protobuf import json_format
from pydantic import BaseModel, Field
from temporalio.api.common.v1 import Payload
from temporalio.converter import DataConverter, PayloadCodec

from api.deps import CredentialsDep, ServiceDep
from api.schemas import Problem
from cpom.access import Principal, Role, authenticate
from cpom.converter import encrypts
from cpom.dashboard_sessions import session_holder
from cpom.payload_codec import ENCODING, KEYS_SETTING, UndecryptablePayload
from cpom.payload_compression import UnreadablePayload

router = APIRouter(prefix="/codec", tags=["codec Temporal"])
PATH_PREFIX = "/codec/"
# Temporal refuses a payload past 2 MB; base64 and JSON add a third to it.
MAX_BODY_BYTES = 4 * 1024 * 1024
ANSWERS: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem, "description": "Jeton ou session manquant, inconnu ou expiré."},
    403: {"model": Problem, "description": "Réservé aux superviseurs nationaux."},
    422: {"model": Problem, "description": "Charge utile illisible ou indéchiffrable."},
}


class JsonPayload(BaseModel):
    metadata: dict[str, str] = Field(
        default_factory=dict, description="valeurs en base64, par exemple « encoding »"
    )
    data: str = Field(default="", description="contenu en base64")


class CodecPayloads(BaseModel):
    payloads: list[JsonPayload]


def get_supervisor(
    service: ServiceDep,
    credentials: CredentialsDep,
    cpom_jeton: Annotated[str | None, Cookie()] = None,
) -> Principal:
    if credentials:
        principal = authenticate(service.engine, credentials.credentials)
    else:
        principal = session_holder(service.engine, cpom_jeton) if cpom_jeton else None
    if principal is None:
        raise HTTPException(
            401,
            "jeton d'accès ou session du tableau de bord manquant, inconnu, révoqué ou expiré",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if principal.role is not Role.SUPERVISOR:
        raise HTTPException(403, "le codec des données de Temporal est réservé aux superviseurs")
    if principal.authority_scope is not None:
        # A payload carries no sign of its contract's authority, and the Web UI shows every
        # workflow of the namespace: decoding is reading every authority's contracts.
        raise HTTPException(
            403,
            "le codec des données de Temporal est réservé aux superviseurs nationaux : il "
            "déchiffre les contrats de toutes les autorités",
        )
    return principal


SupervisorDep = Annotated[Principal, Depends(get_supervisor)]


@router.post(
    "/decode",
    response_model=CodecPayloads,
    summary="Lire en clair des données de Temporal",
    responses=ANSWERS,
)
async def decode(body: CodecPayloads, service: ServiceDep, _: SupervisorDep) -> dict[str, Any]:
    """Les charges utiles en clair, pour l'interface web de Temporal : déchiffrées, puis
    décompressées ; celles qui ne sont ni chiffrées ni compressées sont rendues telles
    quelles."""
    payloads = parsed(body)
    converter = service.client.data_converter
    try:
        if not encrypts(converter):
            in_clear(payloads)
        return answer(await codec_of(converter).decode(payloads))
    except UnreadablePayload as error:
        raise HTTPException(422, str(error)) from None


@router.post(
    "/encode",
    response_model=CodecPayloads,
    summary="Coder des données pour Temporal",
    responses=ANSWERS,
)
async def encode(body: CodecPayloads, service: ServiceDep, _: SupervisorDep) -> dict[str, Any]:
    """Les charges utiles comme les workers les écrivent : compressées si elles sont assez
    grandes, puis chiffrées avec la première clé s'il y en a."""
    payloads = parsed(body)
    return answer(await codec_of(service.client.data_converter).encode(payloads))


def codec_of(converter: DataConverter) -> PayloadCodec:
    codec = converter.payload_codec
    assert codec is not None, "cpom's converters always have a codec (cpom.converter)"
    return codec


def in_clear(payloads: list[Payload]) -> None:
    """Without keys, an encrypted payload cannot be read."""
    if any(payload.metadata.get("encoding") == ENCODING for payload in payloads):
        raise UndecryptablePayload(f"donnée chiffrée, mais {KEYS_SETTING} est vide pour cette API")


def parsed(body: CodecPayloads) -> list[Payload]:
    try:
        return [
            Payload(
                metadata={name: unbase64(value) for name, value in payload.metadata.items()},
                data=unbase64(payload.data),
            )
            for payload in body.payloads
        ]
    except binascii.Error:
        raise HTTPException(
            422, "charge utile illisible : métadonnées et données attendues en base64"
        ) from None


def unbase64(text: str) -> bytes:
    """Bytes as protobuf's JSON writes them: base64, URL-safe or not, padded or not."""
    standard = text.replace("-", "+").replace("_", "/")
    return base64.b64decode(standard + "=" * (-len(standard) % 4), validate=True)


def answer(payloads: list[Payload]) -> dict[str, Any]:
    return {"payloads": [json_format.MessageToDict(payload) for payload in payloads]}
