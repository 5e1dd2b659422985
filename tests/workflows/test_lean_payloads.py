"""What travels through Temporal stays small: a notice carries the contract's reference and its
facts, not its terms (the activity reads them from the projection); a projection carries the
terms with the run's first projection and when they change, not at every wake; a new run
(continue-as-new) leaves behind the journal's events already projected."""

import base64
import json
from collections import Counter
from datetime import date

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select
from temporalio.api.enums.v1 import EventType

from cpom import agenda_handoff, messages
from cpom.converter import data_converter
from cpom.db import projection
from cpom.db.models import EventRecord
from cpom.domain.agenda import Planned, plan
from cpom.domain.lifecycle import ContractState, initial_phase
from cpom.domain.live_agenda import AgendaItem, live_agenda
from cpom.messages import ProjectionUpdate
from cpom.simulation import LifeSimulator
from tests.workflows.helpers import GESTIONNAIRE, contract
from tests.workflows.record_histories import run_histories
from workflows import contract_flow


async def scheduled_inputs(simulator: LifeSimulator, reference: str) -> list[tuple[str, bytes]]:
    """(activity, input payload) of every activity the contract's current run scheduled, and
    ("marker", details) of every marker it recorded (local activities, patches)."""
    found = []
    async for event in simulator.handle(reference).fetch_history_events():
        if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            attributes = event.activity_task_scheduled_event_attributes
            payload = b"".join(p.data for p in attributes.input.payloads)
            found.append((attributes.activity_type.name, payload))
        elif event.event_type == EventType.EVENT_TYPE_MARKER_RECORDED:
            details = event.marker_recorded_event_attributes.details
            found.append(
                ("marker", b"".join(p.data for ps in details.values() for p in ps.payloads))
            )
    return found


async def test_notices_carry_the_reference_and_projections_the_terms_once(
    simulator: LifeSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    updates: list[ProjectionUpdate] = []
    record = projection.record

    def recorded(engine: Engine, update: ProjectionUpdate) -> None:
        updates.append(update)
        record(engine, update)

    monkeypatch.setattr(projection, "record", recorded)
    terms = contract()
    name = terms.gestionnaire.raison_sociale.encode()
    await simulator.start(terms, date(2025, 3, 25), imported=True)
    # The 2024 documents: reminded on 31 March and 23 April, chased on 1 May.
    await simulator.advance_to(date(2025, 5, 2))

    inputs = await scheduled_inputs(simulator, terms.reference)
    markers = [payload for activity, payload in inputs if activity == "marker"]
    # Projections and notices are local activities (patches `local-projection`,
    # `notice-local-first`): their input never reaches the history, which keeps of each one a
    # marker with its result.
    assert [activity for activity, _ in inputs if activity != "marker"] == []
    notices = [payload for payload in markers if b"send_notice" in payload]
    assert len(notices) == 3
    assert max(len(payload) for payload in notices) < 700
    # The run's first projection alone is a local activity of its own: each notice then writes
    # what the projection lacks, with its own event (patch `notice-projected`).
    projections = [payload for payload in markers if b"record_contract" in payload]
    assert len(projections) == 1
    assert not any(name in payload for payload in markers)
    assert len(updates) >= 4
    resolved = [u.resolved() for u in updates]
    assert [u.terms is not None for u in resolved] == [True] + [False] * (len(updates) - 1)
    # The whole agenda of the run's first projection comes as the state it is read from, not
    # as its seventy items (50 KB, kept in the worker's memory as long as the run is cached);
    # later projections carry only the items that changed.
    first = updates[0]
    assert first.agenda is None
    assert first.state is not None
    assert len(data_converter.payload_converter.to_payloads([first])[0].data) < 5000
    assert all(u.state is None and u.agenda is not None for u in updates[1:])
    # The mails still name the gestionnaire: the activity read the terms from the projection.
    caught = [m for m in simulator.catcher.caught if GESTIONNAIRE in m.envelope_to]
    assert len(caught) == 3
    assert all(terms.gestionnaire.raison_sociale in m.text() for m in caught)
    assert {m.message["X-Cpom-Reference"] for m in caught} == {terms.reference}


async def test_a_wake_costs_one_workflow_task_and_a_notice_keeps_the_timer(
    simulator: LifeSimulator,
) -> None:
    terms = contract()
    await simulator.start(terms, date(2025, 3, 25), imported=True)
    # The 2024 documents: reminded on 31 March and 23 April, chased on 1 May.
    await simulator.advance_to(date(2025, 5, 2))
    kinds = Counter[int]()
    async for event in simulator.handle(terms.reference).fetch_history_events():
        kinds[event.event_type] += 1
    # Three notices, each sent within the workflow task its timer wakes (patch
    # `notice-local-first`); the timer till the next reminder stays as it was. Before issue 12
    # each notice's completion woke the workflow again, cancelled the timer and started it
    # again, and each projection was an activity of its own with its workflow task.
    assert kinds[EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED] == 0
    assert kinds[EventType.EVENT_TYPE_TIMER_CANCELED] == 0
    assert kinds[EventType.EVENT_TYPE_TIMER_FIRED] == 3
    assert kinds[EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED] <= 1 + 3


async def test_each_run_begins_small_at_any_age_of_the_contract(simulator: LifeSimulator) -> None:
    terms = contract()
    handle = await simulator.start(terms, date(2024, 1, 1))
    await simulator.advance_to(date(2029, 3, 1))
    runs = await run_histories(simulator.env.client, handle)
    assert len(runs) >= 5  # one run per contract year, then the renegotiation
    inputs = []
    for _, text in runs:
        started = json.loads(text)["events"][0]["workflowExecutionStartedEventAttributes"]
        inputs.append(base64.b64decode(started["input"]["payloads"][0]["data"]))
    # Before issue 12 the sixth run began with 21 KB, four fifths of them the notices sent.
    assert max(len(data) for data in inputs) < 4500
    # Only the first run asks for the patches: the others take them from their input, and
    # their histories hold neither a patch's marker nor the TemporalChangeVersion upsert.
    asked = [text.count("core_patch") for _, text in runs]
    assert asked[0] > 0
    assert asked[1:] == [0] * (len(runs) - 1)
    assert not any("TemporalChangeVersion" in text for _, text in runs[1:])
    assert not any(b'"notice_sent"' in data for data in inputs)
    # Nothing was lost on the way: the projection holds every event, numbered without a gap.
    with Session(simulator.engine) as session:
        sequences = list(
            session.exec(
                select(EventRecord.sequence)
                .where(EventRecord.reference == terms.reference)
                .order_by(col(EventRecord.sequence))
            ).all()
        )
    assert sequences == list(range(len(sequences)))
    assert len([e for e in simulator.log(terms.reference) if e["event"] == "notice_sent"]) > 20


async def test_the_first_projection_takes_the_agenda_the_workflow_read(
    simulator: LifeSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The run's first projection comes as the state; its activity takes the agenda the
    workflow read off that state, handed over in the worker, instead of reading it again."""
    read_again: list[str] = []
    taken: list[str] = []
    take = agenda_handoff.take

    def read_off_the_state(state: ContractState, today: date) -> list[AgendaItem]:
        read_again.append(state.terms.reference)
        return live_agenda(state, today)

    def taking(key: str) -> list[AgendaItem] | None:
        found = take(key)
        if found is not None:
            taken.append(key)
        return found

    monkeypatch.setattr(messages, "live_agenda", read_off_the_state)
    monkeypatch.setattr(agenda_handoff, "take", taking)
    terms = contract()
    await simulator.start(terms, date(2025, 3, 25), imported=True)
    await simulator.advance_to(date(2025, 4, 1))

    assert len(taken) == 1
    assert read_again == []
    assert agenda_handoff.kept() == 0
    # What is stored is the agenda the state says.
    with simulator.engine.connect() as connection:
        stored = projection.items_of(projection.agenda_rows(connection, terms.reference))
    state = ContractState(terms, initial_phase(terms, date(2025, 3, 25)), imported=True)
    assert [item.key for item in stored] == [
        item.key for item in live_agenda(state, date(2025, 3, 25))
    ]


async def test_an_imported_contract_plans_once_as_it_starts(
    simulator: LifeSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The import marks the past steps done and leaves the plan of what is left: the first
    wake takes it instead of planning again."""
    planned: list[str] = []

    def planning(state: ContractState) -> list[Planned]:
        planned.append(state.terms.reference)
        return plan(state)

    monkeypatch.setattr(contract_flow, "plan", planning)
    terms = contract()
    await simulator.start(terms, date(2025, 3, 25), imported=True)
    await simulator.projected(terms.reference)
    assert planned == []
    # A later wake plans, as ever: the reminder of 31 March is sent.
    await simulator.advance_to(date(2025, 4, 1))
    assert planned
    assert len([m for m in simulator.catcher.caught if GESTIONNAIRE in m.envelope_to]) == 1
