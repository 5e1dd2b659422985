"""The outbox's rows go to the database driver (issue 12: the ORM's reading and flushing were
0.7 ms of a notice's first attempt): each row reads back as the ORM wrote it, on SQLite and on
PostgreSQL, and a row already there is never written again."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from activities.mail import NOTICES, MailActivities, SmtpMailer
from cpom.db.driver_rows import any_row, update_rows, value_of
from cpom.db.models import NoticeRecord
from cpom.rendering import Renderer
from cpom.settings import ROOT
from tests.activities.test_mail import request

LEASE = timedelta(minutes=5)


def mail(engine: Engine) -> MailActivities:
    # Nothing is sent here: no server behind the mailer.
    return MailActivities(
        engine, Renderer(ROOT / "templates"), SmtpMailer("127.0.0.1", 9), "cpom <x@cpom.test>"
    )


def stored(engine: Engine, key: str) -> dict[str, object]:
    with engine.connect() as connection:
        row = connection.exec_driver_sql(
            f"SELECT * FROM notice WHERE {engine.dialect.identifier_preparer.quote('key')} = "
            + ("?" if engine.dialect.paramstyle == "qmark" else "%s"),
            (key,),
        )
        return dict(row.mappings().one())


def test_a_row_written_through_the_driver_reads_back_as_the_orm_wrote_it(engine: Engine) -> None:
    [(record, held)] = mail(engine)._outbox_rows(request(), "run/1/1")
    assert held
    assert record.claimed_until is not None
    # The same notice written by the ORM, under another key.
    with Session(engine) as session:
        twin = NoticeRecord.model_validate(
            {**record.model_dump(exclude={"id"}), "key": "twin", "message_id": "<twin>"}
        )
        session.add(twin)
        session.commit()
    by_driver, by_orm = stored(engine, record.key), stored(engine, "twin")
    for row in (by_driver, by_orm):
        del row["id"], row["key"], row["message_id"]
    assert by_driver == by_orm
    with Session(engine) as session:
        read = session.exec(select(NoticeRecord).where(NoticeRecord.key == record.key)).one()
    assert read.claimed_until is not None
    # Read back aware or not, as the dialect reads it: the same instant.
    assert read.claimed_until.replace(tzinfo=UTC) == record.claimed_until
    assert (read.created_at.replace(tzinfo=UTC), read.attempts, read.claimed_by) == (
        record.created_at,
        1,
        "run/1/1",
    )


def test_a_notice_written_already_is_read_not_written_again(engine: Engine) -> None:
    activities = mail(engine)
    [(first, held)] = activities._outbox_rows(request(), "run/1/1")
    [(again, held_again)] = activities._outbox_rows(
        replace(request(), facts={**request().facts, "exercise": "2031"}), "run/1/2"
    )
    assert held
    assert not held_again
    assert (again.key, again.body_text, again.claimed_by) == (
        first.key,
        first.body_text,
        "run/1/1",
    )
    with Session(engine) as session:
        assert len(session.exec(select(NoticeRecord)).all()) == 1


def test_the_driver_finds_a_row_by_any_of_its_keys_and_reads_one_column(engine: Engine) -> None:
    [(record, _)] = mail(engine)._outbox_rows(request(), "run/1/1")
    with engine.connect() as connection:
        assert any_row(connection, NOTICES, "key", ["absent", record.key])
        assert not any_row(connection, NOTICES, "key", ["absent", "also absent"])
        assert value_of(connection, NOTICES, "status", {"key": record.key}) == "pending"
        assert value_of(connection, NOTICES, "status", {"key": "absent"}) is None
        with pytest.raises(TypeError, match="claimed_until"):
            value_of(connection, NOTICES, "claimed_until", {"key": record.key})


def test_an_update_unless_a_column_has_a_value_changes_only_the_others(engine: Engine) -> None:
    [(record, _)] = mail(engine)._outbox_rows(request(), "run/1/1")
    where = {"key": record.key}
    with engine.begin() as connection:
        # `status` both changed and a condition, with other values: each goes to its place.
        failed = {"status": "failed_attempt", "failure": "timeout"}
        assert update_rows(connection, NOTICES, where, failed, unless={"status": "sent"}) == 1
        assert value_of(connection, NOTICES, "status", where) == "failed_attempt"
        sent = {"status": "sent", "smtp_response": "250 first", "sent_at": datetime.now(UTC)}
        assert update_rows(connection, NOTICES, where, sent, unless={"status": "pending"}) == 1
        again = {**sent, "smtp_response": "250 second"}
        assert update_rows(connection, NOTICES, where, again, unless={"status": "sent"}) == 0
        assert value_of(connection, NOTICES, "smtp_response", where) == "250 first"
        assert value_of(connection, NOTICES, "status", where) == "sent"
