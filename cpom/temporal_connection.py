"""How every part of cpom (worker, API, command line) connects to Temporal: in clear to the local
dev server, over TLS with a client certificate to a secured cluster (mTLS), or with an API key to
Temporal Cloud. The files are read at connection time, so a renewed certificate is taken at the
next start; an unreadable one is said in French."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

from temporalio.client import Client, Interceptor
from temporalio.runtime import Runtime
from temporalio.service import TLSConfig

from cpom.converter import data_converter_for
from cpom.settings import Settings


def _read(path: Path | None, what: str) -> bytes | None:
    if path is None:
        return None
    try:
        return path.read_bytes()
    except OSError as error:
        raise RuntimeError(f"{what} illisible ({path}) : {error.strerror or error}") from None


def tls_config(settings: Settings) -> TLSConfig | bool:
    """The TLS to use with Temporal: False in clear; the CA, client certificate and server name
    when any is set; True (system authorities) for an API key alone."""
    if not settings.temporal_uses_tls:
        return False
    ca = _read(settings.temporal_tls_ca, "certificat de l'autorité Temporal")
    cert = _read(settings.temporal_tls_cert, "certificat client Temporal")
    key = _read(settings.temporal_tls_key, "clé privée du certificat client Temporal")
    name = settings.temporal_tls_server_name or None
    if ca is None and cert is None and name is None:
        return True
    return TLSConfig(server_root_ca_cert=ca, client_cert=cert, client_private_key=key, domain=name)


async def connect(
    settings: Settings,
    *,
    runtime: Runtime | None = None,
    interceptors: Sequence[Interceptor] = (),
) -> Client:
    """A client of Temporal; RuntimeError when it cannot be reached, as the SDK reports a
    refused connection, or when it does not answer within the deadline. `runtime` and
    `interceptors` carry the process's metrics and traces (cpom/telemetry.py)."""
    tls = tls_config(settings)
    api_key = settings.temporal_api_key
    try:
        async with asyncio.timeout(settings.temporal_timeout_seconds):
            return await Client.connect(
                settings.temporal_address,
                namespace=settings.temporal_namespace,
                data_converter=data_converter_for(settings),
                tls=tls,
                api_key=api_key.get_secret_value() if api_key else None,
                runtime=runtime,
                interceptors=interceptors,
            )
    except TimeoutError:
        # A server that accepts the connection and never answers would hold it for ever.
        raise RuntimeError(
            f"Temporal ne répond pas sur {settings.temporal_address} "
            f"après {settings.temporal_timeout_seconds:g} s"
        ) from None
    except RuntimeError:
        # The SDK's own words are its transport's, in English (found by probing).
        raise RuntimeError(
            f"Temporal injoignable sur {settings.temporal_address} : le lancer (« cpom up ») ou "
            "vérifier CPOM_TEMPORAL_ADDRESS"
        ) from None
