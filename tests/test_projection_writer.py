"""The projections of one worker written in groups, through the database driver: each as the
ORM reads it, each activity failing only for its own update (issue 12)."""

import asyncio
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, event
from sqlalchemy import update as sql_update
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col, select

from cpom.db import projection
from cpom.db.driver_rows import insert_values, update_rows
from cpom.db.models import AgendaRecord, ContractRecord, EventRecord
from cpom.db.projection import AGENDA, AGENDA_COLUMNS, CONTRACTS, agenda_rows, items_of
from cpom.db.projection_writer import ProjectionWriter
from cpom.domain.lifecycle import ContractState, Event, Phase, apply_submit_documents
from cpom.domain.live_agenda import live_agenda
from cpom.messages import ProjectionUpdate
from tests.factories import SAD_ITEMS
from tests.workflows.helpers import contract

TODAY = date(2025, 4, 20)


def first_projection(index: int) -> ProjectionUpdate:
    """A new contract's first projection, its whole agenda sent as its state (as a local
    activity gets it)."""
    terms = replace(contract(), reference=f"CPOM-35-SAD-{index:04d}")
    state = ContractState(terms, Phase.EXECUTION)
    event = Event(date(2024, 1, 1), "imported", "contrat importé")
    return ProjectionUpdate(
        None, Phase.EXECUTION, TODAY, 0, [event], agenda_complete=True, state=state
    )


def commits(engine: Engine) -> list[int]:
    counted: list[int] = []
    event.listen(engine, "commit", lambda _connection: counted.append(1))
    return counted


def references(engine: Engine) -> set[str]:
    with Session(engine) as session:
        return set(session.exec(select(ContractRecord.reference)).all())


async def test_the_agenda_inserted_through_the_driver_reads_back_as_it_was_sent(
    engine: Engine,
) -> None:
    # Dates, empty dates, booleans and text, on SQLite and on PostgreSQL, as the ORM reads them.
    terms = contract()
    state = ContractState(terms, Phase.EXECUTION)
    apply_submit_documents(state, 2024, list(SAD_ITEMS), TODAY, "gestionnaire")
    sent = live_agenda(state, TODAY)
    assert any(item.done_on for item in sent)
    assert any(item.done_on is None for item in sent)
    assert {item.hard for item in sent} == {True, False}
    await ProjectionWriter(engine).record(
        ProjectionUpdate(terms, Phase.EXECUTION, TODAY, 0, [], agenda=sent, agenda_complete=True)
    )
    with engine.connect() as connection:
        read = items_of(agenda_rows(connection, terms.reference))
    assert sorted(read, key=lambda i: i.key) == sorted(sent, key=lambda i: i.key)
    with Session(engine) as session:
        done = session.get(AgendaRecord, (terms.reference, "documents:2024"))
    assert done is not None
    assert done.done_on == TODAY
    assert isinstance(done.done_on, date)


def test_a_datetime_goes_through_the_driver_as_sqlalchemy_stores_it(engine: Engine) -> None:
    # `contract.updated_at` is a datetime: SQLite's driver alone would store it as a text of
    # its own (with "+00:00"), not SQLAlchemy's, which the readers compare and sort.
    at = datetime(2025, 4, 20, 9, 30, 15, 123456, tzinfo=UTC)
    for index in (1, 2):
        projection.record(engine, first_projection(index))
    with engine.begin() as connection:
        update_rows(connection, CONTRACTS, {"reference": "CPOM-35-SAD-0001"}, {"updated_at": at})
        connection.execute(
            sql_update(CONTRACTS)
            .where(CONTRACTS.c.reference == "CPOM-35-SAD-0002")
            .values(updated_at=at)
        )
        stored = connection.exec_driver_sql(
            "SELECT updated_at FROM contract ORDER BY reference"
        ).scalars()
        by_driver, by_sqlalchemy = list(stored)
    assert by_driver == by_sqlalchemy


def test_agenda_rows_give_every_column_of_the_table() -> None:
    assert sorted(AGENDA_COLUMNS) == sorted(AGENDA.columns.keys())


def test_values_that_would_need_a_conversion_are_refused_as_plain_tuples(engine: Engine) -> None:
    # `contract.updated_at` is a datetime: a plain tuple would reach the driver unconverted.
    with engine.connect() as connection, pytest.raises(TypeError, match="updated_at"):
        insert_values(
            connection, CONTRACTS, ("reference", "updated_at"), [("X", datetime.now(UTC))]
        )


def test_events_written_already_are_left_as_they_are(engine: Engine) -> None:
    # A retried attempt sends again events its first attempt wrote.
    update = first_projection(1)
    projection.record(engine, update)
    again = replace(update, new_events=[Event(TODAY, "other", "autre"), Event(TODAY, "new", "x")])
    projection.record(engine, again)
    with Session(engine) as session:
        events = session.exec(select(EventRecord).order_by(col(EventRecord.sequence))).all()
    assert [(e.sequence, e.kind) for e in events] == [(0, "imported"), (1, "new")]


def test_rows_written_in_sqlite_load_no_other_dialect(tmp_path: Path) -> None:
    """The PostgreSQL dialect's modules take 30 ms to import, which `cpom simulate` (SQLite)
    paid at its first projection (issue 12)."""
    probe = (
        "import sys; from cpom.db import projection; from cpom.db.engine import throwaway_engine;"
        " from tests.test_projection_writer import first_projection;"
        f" engine = throwaway_engine('sqlite:///{tmp_path / 'p.db'}');"
        " projection.record(engine, first_projection(1));"
        " print(sorted(m for m in sys.modules if m.startswith('sqlalchemy.dialects.postgresql')))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["[]"]


async def test_updates_given_together_are_committed_once(engine: Engine) -> None:
    writer = ProjectionWriter(engine)
    counted = commits(engine)
    await asyncio.gather(*(writer.record(first_projection(i)) for i in range(12)))
    assert len(counted) == 1
    assert references(engine) == {f"CPOM-35-SAD-{i:04d}" for i in range(12)}
    with Session(engine) as session:
        assert len(session.exec(select(EventRecord)).all()) == 12


async def test_an_update_alone_goes_at_once_and_a_group_waits_at_most_for_one_write(
    engine: Engine,
) -> None:
    writer = ProjectionWriter(engine, most_together=5)
    counted = commits(engine)
    await writer.record(first_projection(0))
    assert len(counted) == 1
    # Eleven at once, five at most in each transaction: three commits.
    await asyncio.gather(*(writer.record(first_projection(i)) for i in range(1, 12)))
    assert len(counted) == 4
    assert len(references(engine)) == 12


async def test_while_updates_keep_coming_the_next_group_waits_for_those_on_their_way(
    engine: Engine,
) -> None:
    """As PostgreSQL's `commit_delay`: an update alone goes at once, but one that came while
    another was written waits a moment, and those arriving meanwhile share its commit."""
    writer = ProjectionWriter(engine, gather_seconds=0.5)
    counted = commits(engine)
    first = asyncio.create_task(writer.record(first_projection(0)))
    await asyncio.sleep(0)  # its write has begun
    second = asyncio.create_task(writer.record(first_projection(1)))
    await first
    assert len(counted) == 1
    # The writer now waits for more: the third comes in time to share the second's commit.
    third = asyncio.create_task(writer.record(first_projection(2)))
    await asyncio.gather(second, third)
    assert len(counted) == 2
    assert len(references(engine)) == 3


async def test_an_update_that_fails_fails_its_own_activity_only(engine: Engine) -> None:
    writer = ProjectionWriter(engine)
    # Projected without its terms, of a contract never projected: refused by the store.
    unknown = ProjectionUpdate(
        None, Phase.EXECUTION, TODAY, 0, [], reference="CPOM-INCONNU", agenda_complete=False
    )
    outcomes = await asyncio.gather(
        writer.record(first_projection(1)),
        writer.record(unknown),
        writer.record(first_projection(2)),
        return_exceptions=True,
    )
    assert outcomes[0] is None
    assert outcomes[2] is None
    assert isinstance(outcomes[1], LookupError)
    assert references(engine) == {"CPOM-35-SAD-0001", "CPOM-35-SAD-0002"}
    # The writer goes on after a failure.
    await writer.record(first_projection(3))
    assert "CPOM-35-SAD-0003" in references(engine)


async def test_an_activity_cancelled_while_it_waits_is_not_written(engine: Engine) -> None:
    writer = ProjectionWriter(engine)
    tasks = [asyncio.create_task(writer.record(first_projection(i))) for i in range(3)]
    await asyncio.sleep(0)  # all three wait; the writer has not begun
    tasks[1].cancel()
    done = await asyncio.gather(*tasks, return_exceptions=True)
    assert done[0] is None
    assert done[2] is None
    assert isinstance(done[1], asyncio.CancelledError)
    assert references(engine) == {"CPOM-35-SAD-0000", "CPOM-35-SAD-0002"}


async def test_a_writer_stopped_fails_those_still_waiting(engine: Engine) -> None:
    writer = ProjectionWriter(engine, most_together=1)
    tasks = [asyncio.create_task(writer.record(first_projection(i))) for i in range(3)]
    await asyncio.sleep(0)
    assert writer._writing is not None
    writer._writing.cancel()  # as the worker's loop does when it shuts down
    done = await asyncio.gather(*tasks, return_exceptions=True)
    assert all(isinstance(outcome, RuntimeError) for outcome in done[1:])


def test_record_together_writes_all_or_nothing(engine: Engine) -> None:
    unknown = ProjectionUpdate(None, Phase.EXECUTION, TODAY, 0, [], reference="CPOM-INCONNU")
    with pytest.raises(LookupError):
        projection.record_together(engine, [first_projection(1), unknown])
    assert references(engine) == set()


async def test_a_failure_of_the_database_fails_the_group_without_writing_each_again(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    def locked(*_: object) -> None:
        raise OperationalError("INSERT …", {}, Exception("database is locked"))

    alone: list[object] = []
    monkeypatch.setattr(projection, "record_together", locked)
    monkeypatch.setattr(projection, "record", lambda *args: alone.append(args))
    writer = ProjectionWriter(engine)
    outcomes = await asyncio.gather(
        *(writer.record(first_projection(i)) for i in range(5)), return_exceptions=True
    )
    assert all(isinstance(outcome, OperationalError) for outcome in outcomes)
    assert alone == []  # each activity retries on its own schedule


def test_a_writer_left_behind_by_a_closed_loop_does_not_hold_the_next_one(engine: Engine) -> None:
    writer = ProjectionWriter(engine)
    first = asyncio.new_event_loop()

    async def queued() -> None:
        asyncio.get_running_loop().create_task(writer.record(first_projection(1)))
        await asyncio.sleep(0)  # queued; its writer created, not yet run

    first.run_until_complete(queued())
    first.close()  # as a test's loop or a stopped worker's: its tasks never ran

    async def later() -> None:
        async with asyncio.timeout(20):
            await writer.record(first_projection(2))

    asyncio.run(later())
    assert "CPOM-35-SAD-0002" in references(engine)
