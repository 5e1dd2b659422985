"""Notices go out beside the workflow's loop (patch `mail-beside-the-loop`): with the mail server
down, decisions and phase changes are still projected at once, and every notice is delivered
once, in order, when the server is back."""

import asyncio
import threading
import time
from datetime import date, timedelta

from sqlmodel import Session, col, select

from cpom.db.models import ContractRecord, EventRecord, NoticeRecord
from cpom.domain.lifecycle import Party
from cpom.messages import AnswerProrogation, ProjectionUpdate, RequestProrogation, SubmitDocuments
from cpom.simulation import LifeSimulator
from tests.factories import SAD_ITEMS
from tests.faults.mail_servers import MailServer
from tests.workflows.helpers import contract
from workflows.contract import LEAN_HISTORY

REFERENCE = "CPOM-35-SAD-2024"


def phase(simulator: LifeSimulator) -> str | None:
    with Session(simulator.engine) as session:
        record = session.get(ContractRecord, REFERENCE)
    return record.phase if record else None


async def projected_phase(simulator: LifeSimulator, expected: str) -> None:
    async with asyncio.timeout(10):
        while phase(simulator) != expected:  # polling the projection, not waiting for time
            await asyncio.sleep(0.02)


def outbox(simulator: LifeSimulator) -> list[NoticeRecord]:
    with Session(simulator.engine) as session:
        return list(session.exec(select(NoticeRecord).order_by(col(NoticeRecord.id))).all())


def journal(simulator: LifeSimulator) -> list[str]:
    with Session(simulator.engine) as session:
        events = session.exec(select(EventRecord).where(EventRecord.reference == REFERENCE))
        return [event.kind for event in events]


def projected_notices(simulator: LifeSimulator) -> list[str]:
    with Session(simulator.engine) as session:
        events = session.exec(
            select(EventRecord)
            .where(EventRecord.reference == REFERENCE, EventRecord.kind == "notice_sent")
            .order_by(col(EventRecord.sequence))
        ).all()
    return [event.summary for event in events]


def held_mail(simulator: LifeSimulator) -> tuple[MailServer, threading.Event]:
    """A mail server in place of the simulator's catcher, on its port, that answers no message
    until the event returned is set."""
    simulator.catcher.stop()
    gate = threading.Event()
    server = MailServer(gate=gate, host=simulator.catcher.host, port=simulator.catcher.port)
    return server.start(), gate


async def delivered(simulator: LifeSimulator, count: int) -> MailServer:
    """Start the mail server again on its port; return it once `count` notices were sent and
    projected as sent."""
    server = MailServer(host=simulator.catcher.host, port=simulator.catcher.port).start()
    try:
        async with asyncio.timeout(60):
            while len(projected_notices(simulator)) < count:  # polling, not waiting for time
                await asyncio.sleep(0.02)
    finally:
        server.stop()
    return server


async def test_decisions_are_projected_while_a_notice_waits_for_the_mail_server(
    simulator: LifeSimulator,
) -> None:
    handle = await simulator.start(contract(), date(2026, 3, 2), imported=True)
    await projected_phase(simulator, "execution")
    simulator.catcher.stop()
    today = await simulator.today()
    await simulator.decide(
        handle, "request_prorogation", RequestProrogation("g", Party.GESTIONNAIRE, today)
    )
    await projected_phase(simulator, "prorogation_en_cours")
    async with asyncio.timeout(20):
        while not any(n.status == "failed_attempt" for n in outbox(simulator)):
            await asyncio.sleep(0.02)  # the first attempt found nobody listening
    # A decision taken while the first notice is stuck is projected all the same; its own
    # notice waits behind the first one.
    await simulator.decide(handle, "answer_prorogation", AnswerProrogation("a", True, today))
    await projected_phase(simulator, "prorogee")
    # Its two messages, one per party.
    assert [n.kind for n in outbox(simulator)] == ["demande_de_prorogation_recue"] * 2
    assert projected_notices(simulator) == []

    server = await delivered(simulator, 2)
    assert [mail.notice for mail in server.caught] == [
        "demande_de_prorogation_recue",
        "demande_de_prorogation_recue",
        "prorogation_acceptee",
        "prorogation_acceptee",
    ]
    assert [(n.kind, n.status) for n in outbox(simulator)] == [
        ("demande_de_prorogation_recue", "sent"),
        ("demande_de_prorogation_recue", "sent"),
        ("prorogation_acceptee", "sent"),
        ("prorogation_acceptee", "sent"),
    ]
    assert simulator.catcher.caught == []
    assert projected_notices(simulator) == [
        "avis « demande_de_prorogation_recue » envoyé",
        "avis « prorogation_acceptee » envoyé",
    ]
    # This run took the patched path: its history holds the marker of `lean-history`, which
    # takes it with every earlier patch.
    history = await handle.fetch_history()
    markers = [
        payload.data
        for event in history.events
        if event.HasField("marker_recorded_event_attributes")
        for payloads in event.marker_recorded_event_attributes.details.values()
        for payload in payloads.payloads
    ]
    assert any(LEAN_HISTORY.encode() in data for data in markers)


async def test_the_contract_ends_on_its_day_while_the_notice_of_its_end_waits(
    simulator: LifeSimulator,
) -> None:
    await simulator.start(contract(), date(2028, 12, 1), imported=True)
    await projected_phase(simulator, "bilan")
    simulator.catcher.stop()
    await simulator.advance_to(date(2029, 1, 1), hour=0)
    # Before, the loop waited for the notice of the end before changing the phase.
    await projected_phase(simulator, "echue")
    async with asyncio.timeout(20):
        while not outbox(simulator):
            await asyncio.sleep(0.02)
    waiting = outbox(simulator)
    key = f"{REFERENCE}:fin:2028-12-31"
    assert [(n.kind, n.key.partition("|")[0]) for n in waiting] == [("fin_du_contrat", key)] * len(
        waiting
    )
    assert all(n.status != "sent" for n in waiting)

    server = await delivered(simulator, 1)
    assert [mail.notice for mail in server.caught] == ["fin_du_contrat"] * len(waiting)
    assert [(n.kind, n.status) for n in outbox(simulator)] == [("fin_du_contrat", "sent")] * len(
        waiting
    )
    assert simulator.catcher.caught == []


async def test_a_decision_is_answered_while_its_notice_waits_for_a_slow_mail_server(
    simulator: LifeSimulator,
) -> None:
    # A local activity holds the workflow task, which carries the decision's answer: the notice
    # a decision causes is scheduled instead (patch `lean-history`), so the answer leaves at once.
    handle = await simulator.start(contract(), date(2026, 3, 2), imported=True)
    await projected_phase(simulator, "execution")
    server, gate = held_mail(simulator)
    try:
        today = await simulator.today()
        started = time.monotonic()
        await simulator.decide(
            handle, "request_prorogation", RequestProrogation("g", Party.GESTIONNAIRE, today)
        )
        assert time.monotonic() - started < 5  # not held by the server, which has not answered
        assert [n.status for n in outbox(simulator)] != ["sent", "sent"]
    finally:
        gate.set()
    async with asyncio.timeout(30):
        while len(projected_notices(simulator)) < 1:  # polling, not waiting for time
            await asyncio.sleep(0.02)
    server.stop()
    assert [mail.notice for mail in server.caught] == ["demande_de_prorogation_recue"] * 2


async def test_a_decision_taken_while_a_notice_writes_the_projection_keeps_the_journal_in_order(
    simulator: LifeSimulator,
) -> None:
    # A reminder's local attempt writes the projection with its own event (patch
    # `notice-projected`). A decision that comes meanwhile (the attempt held by a slow server
    # past the workflow task's timeout) is projected after it, and the journal the projection
    # holds is the workflow's, event for event.
    handle = await simulator.start(
        contract(), date(2026, 3, 25), imported=True, task_timeout=timedelta(seconds=2)
    )
    await projected_phase(simulator, "execution")
    server, gate = held_mail(simulator)
    try:
        # The server's move forward ends with the workflow task the reminder's timer wakes,
        # which the held message holds.
        advancing = asyncio.ensure_future(simulator.advance_to(date(2026, 3, 31)))
        async with asyncio.timeout(20):
            while not server.caught:  # polling for the held message, not waiting for time
                await asyncio.sleep(0.02)
        decided = asyncio.ensure_future(
            simulator.decide(
                handle, "submit_documents", SubmitDocuments("g", 2025, list(SAD_ITEMS))
            )
        )
        async with asyncio.timeout(30):
            await asyncio.shield(decided)  # answered with the task's heartbeat, mail still held
        assert projected_notices(simulator) == []
    finally:
        gate.set()
    await advancing
    async with asyncio.timeout(30):
        while not projected_notices(simulator) or "documents_submitted" not in journal(simulator):
            await asyncio.sleep(0.02)  # polling the projection, not waiting for time
    server.stop()
    update: ProjectionUpdate = await handle.query("projection", result_type=ProjectionUpdate)
    with Session(simulator.engine) as session:
        stored = session.exec(
            select(EventRecord)
            .where(EventRecord.reference == REFERENCE)
            .order_by(col(EventRecord.sequence))
        ).all()
    expected = [(update.first_sequence + i, e.kind) for i, e in enumerate(update.new_events)]
    assert [(e.sequence, e.kind) for e in stored][-len(expected) :] == expected
    kinds = [kind for _, kind in expected]
    assert kinds.index("notice_sent") < kinds.index("documents_submitted")
