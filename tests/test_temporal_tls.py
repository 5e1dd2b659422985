"""Secured connections to Temporal: the worker and the clients of the API and the command line
reach the dev server behind a TLS-terminating proxy that requires a client certificate
(certificates made here); without one, or with one of another authority, they are refused; a
missing file or a certificate without its key is said in French."""

from datetime import date
from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from cpom.messages import DecisionResult, SubmitDocuments
from cpom.settings import Settings
from cpom.simulation import LifeSimulator
from cpom.temporal_connection import connect, tls_config
from cpom.worker import build_worker
from tests.factories import SAD_ITEMS
from tests.tls_proxy import Authority, Issued, tls_proxy
from tests.workflows.helpers import contract


def secured(
    settings: Settings, address: tuple[str, int], ca: Path, client: Issued | None
) -> Settings:
    return settings.model_copy(
        update={
            "temporal_address": f"{address[0]}:{address[1]}",
            "temporal_tls_ca": ca,
            "temporal_tls_cert": client.cert if client else None,
            "temporal_tls_key": client.key if client else None,
            "temporal_tls_server_name": "localhost",
            "temporal_timeout_seconds": 5.0,
        }
    )


async def test_the_worker_and_clients_reach_temporal_with_a_client_certificate(
    tmp_path: Path,
) -> None:
    ca = Authority(tmp_path)
    server = ca.issue("server", "localhost", server=True)
    client_cert = ca.issue("worker", "cpom-worker", server=False)
    other = Authority(tmp_path, "another CA").issue("intruder", "cpom-worker", server=False)
    async with LifeSimulator(real_server=True) as life:
        target = life.env.client.service_client.config.target_host
        host, _, port = target.rpartition(":")
        async with tls_proxy((host, int(port)), server, ca.path) as address:
            settings = secured(life.settings, address, ca.path, client_cert)
            client = await connect(settings)
            terms = contract()
            handle = await life.start(terms, date(2025, 3, 3))
            # The worker now polls through the proxy: a decision taken over TLS is applied.
            await life.stop_worker()
            async with build_worker(client, settings, life.engine):
                result = await client.get_workflow_handle(handle.id).execute_update(
                    "submit_documents",
                    SubmitDocuments("sad", 2024, list(SAD_ITEMS)),
                    result_type=DecisionResult,
                )
            assert result.message == "documents reçus"

            with pytest.raises(RuntimeError):
                await connect(secured(life.settings, address, ca.path, None))
            with pytest.raises(RuntimeError):
                await connect(secured(life.settings, address, ca.path, other))


def test_tls_files_and_settings_are_checked_in_french(tmp_path: Path) -> None:
    assert tls_config(Settings()) is False
    # Temporal Cloud: an API key alone goes over TLS with the system's authorities.
    assert tls_config(Settings(temporal_api_key=SecretStr("clé"))) is True
    missing = Settings(
        temporal_tls_cert=tmp_path / "absent.pem", temporal_tls_key=tmp_path / "absent.key"
    )
    with pytest.raises(RuntimeError) as error:
        tls_config(missing)
    assert str(error.value).startswith(
        f"certificat client Temporal illisible ({tmp_path / 'absent.pem'})"
    )
    with pytest.raises(ValidationError) as invalid:
        Settings(temporal_tls_cert=tmp_path / "client.pem")
    assert "CPOM_TEMPORAL_TLS_CERT et CPOM_TEMPORAL_TLS_KEY vont ensemble" in str(invalid.value)
