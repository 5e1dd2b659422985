"""Bulk imports run in the background of the API, their progress kept in the database.

A job is an asyncio task of the API process that accepted the file. It writes its progress, and a
heartbeat while it runs, to the `import_job` table: any API process can show the progress page,
and a job whose process stopped (a restart, a crash) is seen as interrupted by its silent
heartbeat. Such a job is simply run again with the same file: creating is idempotent.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from cpom.bulk_import import ImportRow, Tally, count, create_contracts
from cpom.db.models import ImportJobRecord
from cpom.service import ContractService, ServiceUnavailable

RUNNING, DONE, INTERRUPTED, FAILED = "en_cours", "termine", "interrompu", "echec"
STATUS_LABELS = {RUNNING: "en cours", DONE: "terminé", INTERRUPTED: "interrompu", FAILED: "échoué"}
HEARTBEAT = timedelta(seconds=10)
# A running job beats every HEARTBEAT: one silent for this long has lost its process.
STALE_AFTER = timedelta(seconds=60)
PROGRESS_EVERY = timedelta(seconds=0.5)
RUN_AGAIN = "relancer l'import du même fichier : il est idempotent, les contrats déjà créés ne le "
RUN_AGAIN += "seront pas une seconde fois"

log = logging.getLogger(__name__)


def _now() -> datetime:
    return datetime.now(UTC)


def so_far(done: int, total: int) -> str:
    return f"{count(done, 'contrat', 'contrats')} sur {total}"


def interrupted_message(done: int, total: int) -> str:
    return f"import interrompu par l'arrêt du service après {so_far(done, total)} : {RUN_AGAIN}"


class ImportJobs:
    def __init__(self, service: ContractService) -> None:
        self.service = service
        self._tasks: dict[str, asyncio.Task[None]] = {}

    @property
    def engine(self) -> Engine:
        return self.service.engine

    def recover(self) -> int:
        """Mark as interrupted the jobs whose process stopped; at start-up. How many."""
        with Session(self.engine) as session:
            stale = session.exec(
                select(ImportJobRecord).where(
                    ImportJobRecord.status == RUNNING,
                    col(ImportJobRecord.heartbeat_at) < _now() - STALE_AFTER,
                )
            ).all()
            ids = [job.id for job in stale]
        for job_id in ids:
            self._interrupt(job_id)
        return len(ids)

    def get(self, job_id: str) -> ImportJobRecord | None:
        with Session(self.engine) as session:
            job = session.get(ImportJobRecord, job_id)
        if (
            job is not None
            and job.status == RUNNING
            and job_id not in self._tasks
            and job.heartbeat_at < _now() - STALE_AFTER
        ):
            self._interrupt(job_id)
            return self.get(job_id)
        return job

    def recent(self, limit: int = 10, authority: str | None = None) -> Sequence[ImportJobRecord]:
        """The latest imports; an agent scoped to an `authority` sees its authority's only."""
        query = select(ImportJobRecord)
        if authority is not None:
            query = query.where(ImportJobRecord.authority_key == authority)
        with Session(self.engine) as session:
            return session.exec(
                query.order_by(col(ImportJobRecord.started_at).desc()).limit(limit)
            ).all()

    async def start(
        self,
        filename: str,
        actor: str,
        rows: Sequence[ImportRow],
        authority: str | None = None,
    ) -> str:
        job_id = uuid.uuid4().hex
        now = _now()
        job = ImportJobRecord(
            id=job_id,
            filename=filename[:255],
            actor=actor,
            authority_key=authority,
            status=RUNNING,
            total=len(rows),
            started_at=now,
            heartbeat_at=now,
        )
        await asyncio.to_thread(self._insert, job)
        task = asyncio.create_task(self._run(job_id, rows, authority), name=f"import-{job_id}")
        self._tasks[job_id] = task
        task.add_done_callback(lambda _: self._tasks.pop(job_id, None))
        return job_id

    async def wait(self, job_id: str) -> None:
        """Until the job of this process ends (tests, shutdown)."""
        task = self._tasks.get(job_id)
        if task is not None:
            await asyncio.wait([task])

    async def close(self) -> None:
        """Stop this process's jobs: each is marked interrupted, to be run again."""
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks)

    async def _run(self, job_id: str, rows: Sequence[ImportRow], authority: str | None) -> None:
        latest = Tally(len(rows))
        last_write = datetime.min.replace(tzinfo=UTC)

        async def progress(tally: Tally) -> None:
            nonlocal latest, last_write
            latest = tally
            now = _now()
            if tally.done < tally.total and now - last_write < PROGRESS_EVERY:
                return
            last_write = now
            await asyncio.to_thread(self._update, job_id, **self._counts(tally), heartbeat_at=now)

        beating = asyncio.create_task(self._beat(job_id))
        try:
            tally = await create_contracts(self.service, rows, progress, authority)
        except asyncio.CancelledError:
            self._update(job_id, **self._counts(latest))
            self._interrupt(job_id)
            raise
        except ServiceUnavailable:
            self._finish(
                job_id,
                FAILED,
                latest,
                f"Temporal injoignable après {so_far(latest.done, latest.total)} : "
                f"quand le service sera revenu, {RUN_AGAIN}",
            )
        except Exception as error:  # the job must end with a status, whatever happened
            log.exception("import %s failed", job_id)
            self._finish(
                job_id,
                FAILED,
                latest,
                f"erreur inattendue après {so_far(latest.done, latest.total)} "
                f"({error}) : {RUN_AGAIN}",
            )
        else:
            self._finish(job_id, DONE, tally, None)
        finally:
            beating.cancel()

    async def _beat(self, job_id: str) -> None:
        # A single contract can take long when Temporal is slow: the job is still alive.
        while True:
            await asyncio.sleep(HEARTBEAT.total_seconds())
            await asyncio.to_thread(self._update, job_id, heartbeat_at=_now())

    @staticmethod
    def _counts(tally: Tally) -> dict[str, int]:
        return {
            "done": tally.done,
            "created": tally.created,
            "already_present": tally.already_present,
        }

    def _insert(self, job: ImportJobRecord) -> None:
        with Session(self.engine) as session:
            session.add(job)
            session.commit()

    def _update(self, job_id: str, **values: Any) -> None:
        with Session(self.engine) as session:
            session.exec(
                update(ImportJobRecord)
                .where(col(ImportJobRecord.id) == job_id, col(ImportJobRecord.status) == RUNNING)
                .values(**values)
            )
            session.commit()

    def _finish(self, job_id: str, status: str, tally: Tally, message: str | None) -> None:
        now = _now()
        self._update(
            job_id,
            **self._counts(tally),
            status=status,
            message=message,
            heartbeat_at=now,
            finished_at=now,
        )

    def _interrupt(self, job_id: str) -> None:
        with Session(self.engine) as session:
            job = session.get(ImportJobRecord, job_id)
            if job is None or job.status != RUNNING:
                return
            job.status = INTERRUPTED
            job.message = interrupted_message(job.done, job.total)
            job.finished_at = _now()
            session.add(job)
            session.commit()
