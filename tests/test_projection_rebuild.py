"""`cpom projection rebuild`: the read model written again from the workflows.

Contracts are lived on the dev server (its visibility lists them; a worker answers queries on
their closed runs), with real mail and real documents; the application database is then lost
(emptied SQLite) or restored from an older backup (pg_dump and pg_restore on a real PostgreSQL),
and the rebuild must bring every contract, agenda, journal, notice and document back without
sending any message again.
"""

import asyncio
import base64
import os
import subprocess
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import Engine
from sqlmodel import Session, select

from cpom.cli.main import main
from cpom.db.engine import make_engine
from cpom.db.models import (
    AgendaRecord,
    ContractRecord,
    ContractTermsRecord,
    DocumentRecord,
    EventRecord,
    NoticeRecord,
)
from cpom.domain.lifecycle import Party
from cpom.messages import RequestProrogation
from cpom.projection_rebuild import rebuild_projections
from cpom.settings import Settings, get_settings
from cpom.simulation import LifeSimulator
from cpom.worker import renderer_from
from tests.postgres import binaries, create_database
from tests.workflows.helpers import contract

REFERENCE = "CPOM-35-SAD-2024"
SUCCESSOR = f"{REFERENCE}-R"


async def live_until_prorogation(life: LifeSimulator) -> None:
    """Silence accepts a prorogation: the avenant and the attestation are generated and sent
    to both parties as attachments."""
    handle = await life.start(contract(), date(2028, 1, 1))
    await life.advance_to(date(2028, 5, 2))
    await life.decide(
        handle,
        "request_prorogation",
        RequestProrogation("agent-35", Party.GESTIONNAIRE, date(2028, 5, 2)),
    )
    await life.advance_to(date(2028, 7, 10))


async def live_into_renegotiation(life: LifeSimulator) -> None:
    """The contract continues as new on 1 January 2029; with no prorogation asked by the
    deadline, the renegotiation opens on 30 June and starts the successor's workflow."""
    await life.advance_to(date(2029, 7, 2))
    # The successor's virtual clock is its own and skips through its life unless told how far
    # to go: to its first reminder (the target of its cadrage), whose sending it then journals.
    await life.env.fast_forward(life.handle(SUCCESSOR), timedelta(seconds=1))
    async with asyncio.timeout(20):
        while not _journaled(life.engine, SUCCESSOR, "rappel_cible_phase"):
            await asyncio.sleep(0.05)


def _journaled(engine: Engine, reference: str, notice: str) -> bool:
    with Session(engine) as session:
        sent = select(EventRecord).where(
            EventRecord.reference == reference, EventRecord.kind == "notice_sent"
        )
        return any(notice in event.summary for event in session.exec(sent))


def read_model(engine: Engine) -> dict[str, Any]:
    """What readers see of the contracts, without the instants of writing."""
    with Session(engine) as session:
        documents = session.exec(select(DocumentRecord)).all()
        key_of = {str(d.id): d.key for d in documents}
        return {
            "contracts": {
                c.reference: (
                    c.phase,
                    c.echeance,
                    c.next_deadline,
                    c.overdue_since,
                    c.risk,
                    c.gestionnaire,
                    c.successor_reference,
                    c.predecessor_reference,
                )
                for c in session.exec(select(ContractRecord))
            },
            "terms": {t.reference: t.terms_json for t in session.exec(select(ContractTermsRecord))},
            "agenda": {
                (a.reference, a.key): (a.day, a.label, a.done_on, a.outcome, a.waiting_for)
                for a in session.exec(select(AgendaRecord))
            },
            "events": {
                (e.reference, e.sequence): (e.on, e.kind, e.summary, e.actor)
                for e in session.exec(select(EventRecord))
            },
            "notices": {
                n.key: (
                    n.status,
                    n.recipients,
                    n.kind,
                    n.notice_date,
                    n.message_id,
                    n.subject,
                    [key_of[i] for i in (n.attachments or "").split(",") if i],
                )
                for n in session.exec(select(NoticeRecord))
            },
            "documents": {
                d.key: (d.kind, d.title, d.document_date, d.reference) for d in documents
            },
        }


@pytest.fixture
def cli_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


async def test_an_emptied_database_is_rebuilt_by_the_command(
    tmp_path: Path, cli_settings: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Payloads encrypted, as in production: the command reads the histories with the key.
    keys = f"cle-2027:{base64.b64encode(os.urandom(32)).decode()}"
    async with LifeSimulator(Settings(encryption_keys=SecretStr(keys)), real_server=True) as life:
        await live_until_prorogation(life)
        await live_into_renegotiation(life)
        before = read_model(life.engine)
        assert set(before["contracts"]) == {REFERENCE, SUCCESSOR}
        assert {kind for kind, *_ in before["documents"].values()} == {
            "avenant_de_prorogation",
            "attestation_acceptation_tacite",
        }
        mails = len(life.catcher.caught)
        empty = f"sqlite:///{tmp_path / 'vide.db'}"
        client = life.env.client.service_client.config
        for name, value in {
            "CPOM_DATABASE_URL": empty,
            "CPOM_TEMPORAL_ADDRESS": client.target_host,
            "CPOM_TASK_QUEUE": life.settings.task_queue,
            "CPOM_ENCRYPTION_KEYS": keys,
        }.items():
            cli_settings.setenv(name, value)

        assert await asyncio.to_thread(main, ["projection", "rebuild"]) == 0
        said = capsys.readouterr()
        assert "▸ 2 contrats reconstruits" in said.err
        assert said.out.startswith("2 contrats reconstruits (3 exécutions relues) ; 2 documents")

        after = read_model(make_engine(empty))
        assert after == before
        # Run again, it writes nothing twice; no message went out.
        assert await asyncio.to_thread(main, ["projection", "rebuild"]) == 0
        assert "0 document produit à nouveau ; 0 avis rétabli" in capsys.readouterr().out
        assert read_model(make_engine(empty)) == before
        assert len(life.catcher.caught) == mails

        # Without a worker to replay the closed runs, the command fails by its deadline.
        await life.stop_worker()
        cli_settings.setenv("CPOM_TEMPORAL_TIMEOUT_SECONDS", "1")
        assert await asyncio.to_thread(main, ["projection", "rebuild"]) == 2
        assert "aucun worker ne répond" in capsys.readouterr().err


def _notices(model: dict[str, Any]) -> set[str]:
    return {key.split("|")[0] for key in model["notices"]}


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


async def test_a_restored_backup_is_completed_by_the_rebuild_on_postgresql(
    tmp_path: Path, postgres_url: str
) -> None:
    # The client tools of the server's own version: a pg_dump older than the server refuses.
    tools = binaries()
    live_url = create_database(postgres_url, "cpom_live")
    async with LifeSimulator(real_server=True) as life:
        await life.stop_worker()
        life.engine.dispose()
        life.settings = life.settings.model_copy(update={"database_url": live_url})
        life.engine = make_engine(live_url)
        await life.start_worker()

        await live_until_prorogation(life)
        backup = tmp_path / "cpom.dump"
        subprocess.run(
            [tools / "pg_dump", "--format=custom", f"--file={backup}", _libpq(live_url)],
            check=True,
        )
        at_backup = read_model(life.engine)
        # Life goes on after the backup: the next contract year, the renegotiation and its
        # successor, their notices; then the database is lost.
        await live_into_renegotiation(life)
        before = read_model(life.engine)
        assert len(before["notices"]) > len(at_backup["notices"])
        assert SUCCESSOR not in at_backup["contracts"]
        mails = len(life.catcher.caught)

        restored_url = create_database(postgres_url, "cpom_restored")
        subprocess.run(
            [tools / "pg_restore", "--no-owner", f"--dbname={_libpq(restored_url)}", backup],
            check=True,
        )
        # The service, pointed at the restored database, only knows the day of the backup.
        await life.stop_worker()
        life.engine.dispose()
        life.settings = life.settings.model_copy(update={"database_url": restored_url})
        life.engine = make_engine(restored_url)
        await life.start_worker()
        assert read_model(life.engine) == at_backup

        rebuilt = await rebuild_projections(
            life.env.client, life.engine, renderer_from(life.settings, life.engine)
        )
        assert (rebuilt.contracts, rebuilt.problems, rebuilt.documents) == (2, [], 0)
        # One notice per business key, whatever the number of its messages (`key|party`).
        assert rebuilt.notices == len(_notices(before) - _notices(at_backup))
        after = read_model(life.engine)
        assert after == before
        # The rows of the backup keep the mail server's own answer; those rebuilt carry the
        # first message's, from the history.
        with Session(life.engine) as session:
            sent = session.exec(select(NoticeRecord).where(NoticeRecord.status == "sent")).all()
        assert all(n.sent_at is not None for n in sent)
        assert len(life.catcher.caught) == mails
        # The contract lives on, on the restored database: its next notice goes out once.
        await life.advance_to(date(2029, 12, 1))
        message_ids = [m.message["Message-ID"] for m in life.catcher.caught]
        assert len(message_ids) == len(set(message_ids)) > mails
