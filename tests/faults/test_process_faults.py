"""Processes killed on a bad day: nothing the stack holds is lost, nothing is done twice.

Each test counts contracts, workflows, events, notices, mails and documents before and after
the fault (`FaultStack.counts`) and logs them, so a run's log shows the figures.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from temporalio.testing import TimeSkipper

from cpom.domain.clock import local_date, local_instant
from cpom.domain.lifecycle import ContractState, Party, initial_phase
from cpom.messages import ContractInput, RequestProrogation, workflow_id
from tests.factories import make_terms
from tests.faults.stack import Counts, FaultStack, poll, post

LOG = logging.getLogger(__name__)
CONTRACTS = 4
# What one recorded prorogation request leaves in a contract's journal.
REQUEST_EVENTS = ("prorogation_requested", "phase_changed", "notice_sent")


def _terms(reference: str) -> dict[str, Any]:
    """A SAD contract in force for two years, ending in two: a prorogation may be asked."""
    today = local_date(datetime.now(UTC))
    return {
        "reference": reference,
        "preset": "sad",
        "effet": date(today.year - 2, 1, 1).isoformat(),
        "duration_years": 4,
        "authority": {
            "kind": "departement",
            "name": "Département d'Ille-et-Vilaine",
            "territory": "35",
            "email": "cpom@departement-35.example",
        },
        "gestionnaire": {
            "raison_sociale": f"SAD {reference}",
            "siren": "732829320",
            "email": "direction@sad-rennes.example",
        },
    }


def _create(stack: FaultStack, agent: dict[str, str], references: list[str]) -> None:
    for reference in references:
        created = httpx.post(
            f"{stack.base}/contracts",
            json={"terms": _terms(reference), "imported": True},
            headers=agent,
            timeout=30,
        )
        assert created.status_code == 201, created.text


def _request_prorogation(stack: FaultStack, agent: dict[str, str], reference: str) -> int:
    answer = post(
        f"{stack.base}/contracts/{reference}/actions/request_prorogation",
        {"requested_by": "gestionnaire", "received_on": local_date(datetime.now(UTC)).isoformat()},
        agent,
        key=f"demande-{reference}",
    )
    assert answer.status_code == 200, answer.text
    return answer.status_code


def _settled(stack: FaultStack, requests: int, accepted: int = 0) -> bool:
    """Every decision journaled and its notices sent and journaled, read in one snapshot."""
    counts = stack.counts()
    return (
        counts.notices["prorogation_acceptee"] == accepted
        and counts.documents == accepted
        and counts.events["prorogation_requested"] == requests
        and counts.notices["demande_de_prorogation_recue"] == requests
        and counts.unsent_notices == 0
        and counts.mails == counts.sent_notices
        # Notices go out beside the workflow's loop: each is journaled once it is sent.
        and counts.events["notice_sent"] == sum(counts.notices.values())
    )


def _events_of(requests: int) -> dict[str, int]:
    return dict.fromkeys(REQUEST_EVENTS, requests)


def _report(fault: str, before: Counts, after: Counts) -> None:
    # Shown with `pytest tests/faults --log-cli-level=INFO`, and with any failure.
    LOG.info("%s\n  before: %s\n  after:  %s", fault, before, after)


def test_worker_killed_during_decisions(stack: FaultStack) -> None:
    agent = stack.agent()
    references = [f"PANNE-WORKER-{n}" for n in range(CONTRACTS)]
    _create(stack, agent, references)
    poll(lambda: stack.counts().events["imported"] == CONTRACTS, "contracts projected", stack.log)
    before = stack.counts()

    with ThreadPoolExecutor(CONTRACTS) as pool:
        first = [pool.submit(_request_prorogation, stack, agent, r) for r in references[:2]]
        stack.worker.kill()  # while those two decisions are in flight
        then = [pool.submit(_request_prorogation, stack, agent, r) for r in references[2:]]
        stack.worker.start()
        assert [f.result() for f in first + then] == [200] * CONTRACTS

    # The same decisions sent again with their keys change nothing.
    for reference in references:
        _request_prorogation(stack, agent, reference)
    poll(lambda: _settled(stack, CONTRACTS), "decisions projected and notices sent", stack.log)
    after = stack.counts()
    _report("worker kill -9 during decisions", before, after)
    assert (after.contracts, after.workflows) == (before.contracts, before.workflows) == (4, 4)
    assert after.events - before.events == _events_of(CONTRACTS)
    assert after.mails - before.mails == 2 * CONTRACTS  # a message to each party
    after.assert_nothing_doubled()


def test_postgresql_crash_during_projection(stack: FaultStack) -> None:
    agent = stack.agent()
    references = [f"PANNE-PG-{n}" for n in range(CONTRACTS)]
    _create(stack, agent, references)
    poll(lambda: stack.counts().events["imported"] == CONTRACTS, "contracts projected", stack.log)
    before = stack.counts()

    stack.postgres.stop(crash=True)
    # Readers get a French 503 to come back later, never a 500 with the driver's words.
    down = httpx.get(f"{stack.base}/contracts", headers=agent, timeout=30)
    assert down.status_code == 503, down.text
    assert down.json() == {"detail": "la base de données est indisponible, réessayer plus tard"}
    assert down.headers["Retry-After"] == "5"

    async def decide_while_the_database_is_down() -> None:
        # Decisions reach the workflows; their projection and notices wait for the database.
        # Each contract's comes in a workflow task of its own, which a local activity retrying
        # the projection may hold a few seconds: the contracts are decided together.
        client = await stack.client()
        decision = RequestProrogation(
            "Claire Accueil (agent)", Party.GESTIONNAIRE, local_date(datetime.now(UTC))
        )
        await asyncio.gather(
            *(
                client.get_workflow_handle(workflow_id(reference)).execute_update(
                    "request_prorogation", decision
                )
                for reference in references
            )
        )

    asyncio.run(decide_while_the_database_is_down())
    stack.postgres.start()
    poll(lambda: _settled(stack, CONTRACTS), "projection caught up", stack.log)
    after = stack.counts()
    _report("PostgreSQL crash during the projection", before, after)
    assert (after.contracts, after.workflows) == (before.contracts, before.workflows)
    assert after.events - before.events == _events_of(CONTRACTS)
    assert after.mails - before.mails == 2 * CONTRACTS  # a message to each party
    after.assert_nothing_doubled()


def test_whole_stack_killed_and_restarted(stack: FaultStack) -> None:
    agent = stack.agent()
    references = [f"PANNE-TOTALE-{n}" for n in range(CONTRACTS)]
    _create(stack, agent, references)
    for reference in references[:2]:
        _request_prorogation(stack, agent, reference)
    # The authority accepts the first request: an avenant is generated.
    accepted = post(
        f"{stack.base}/contracts/{references[0]}/actions/answer_prorogation",
        {"accept": True, "received_on": local_date(datetime.now(UTC)).isoformat()},
        agent,
        key=f"reponse-{references[0]}",
    )
    assert accepted.status_code == 200, accepted.text
    poll(lambda: _settled(stack, 2, accepted=1), "first decisions settled", stack.log)
    before = stack.counts()

    stack.kill_all()
    stack.postgres.start()
    stack.start_temporal()
    stack.worker.start()
    stack.start_api()

    restarted = stack.counts()
    _report("whole stack kill -9, then restart", before, restarted)
    assert restarted == before
    # It carries on where it was: the remaining decisions work, the first ones replay.
    for reference in references:
        _request_prorogation(stack, agent, reference)
    poll(lambda: _settled(stack, CONTRACTS, accepted=1), "later decisions settled", stack.log)
    after = stack.counts()
    _report("… and two more decisions", before, after)
    assert after.events - before.events == _events_of(2)
    assert after.documents == 1
    assert (after.contracts, after.workflows) == (CONTRACTS, CONTRACTS)
    after.assert_nothing_doubled()


def test_temporal_restarted_on_its_database_timers_still_fire(stack: FaultStack) -> None:
    """The documents' reminders of 2025 fire on the contract's own clock (time skipping), the
    Temporal server is killed between two of them, and the later ones still fire, once."""
    sad = make_terms()
    terms = replace(
        sad,
        reference="PANNE-TEMPORAL",
        authority=replace(
            sad.authority,
            email="cpom@departement-35.example",
            supervisor_email="direction-autonomie@departement-35.example",
        ),
    )
    start = date(2025, 1, 1)

    async def start_contract() -> None:
        skipper = TimeSkipper(await stack.client())
        offset = start - local_date(datetime.now(UTC))
        state = ContractState(terms, initial_phase(terms, start), imported=True)
        await skipper.client.start_workflow(
            "Cpom",
            ContractInput(state, offset.days),
            id=workflow_id(terms.reference),
            task_queue="faults",
        )

    async def advance_to(day: date) -> None:
        skipper = TimeSkipper(await stack.client())
        handle = skipper.client.get_workflow_handle(workflow_id(terms.reference))
        info = await skipper.get_time_skipping_info(handle)
        assert info is not None, "time skipping is off on the dev server"
        now = info.current_time.ToDatetime(tzinfo=UTC) + timedelta(days=(start - today).days)
        await skipper.fast_forward(handle, local_instant(day, 10) - now)

    today = local_date(datetime.now(UTC))
    asyncio.run(start_contract())
    asyncio.run(advance_to(date(2025, 4, 2)))
    poll(lambda: stack.counts().notices["rappel_documents_annuels"] == 1, "first reminder")
    before = stack.counts()

    stack.temporal.kill()
    stack.start_temporal()
    asyncio.run(advance_to(date(2025, 5, 20)))
    expected = {
        "rappel_arrete_tarification": 1,  # 1 March 2025, before the kill
        "rappel_documents_annuels": 2,
        "relance_documents_annuels": 1,
        "escalade_documents_annuels": 1,
    }
    poll(
        lambda: (
            all(stack.counts().notices[k] == n for k, n in expected.items())
            and stack.counts().unsent_notices == 0
        ),
        "the later timers fired",
        stack.log,
    )
    after = stack.counts()
    _report("Temporal dev server kill -9, restarted on its database file", before, after)
    assert (after.contracts, after.workflows) == (1, 1)
    # Five notices, the relance in a message to each of its two parties.
    assert after.mails == after.sent_notices == 6
    after.assert_nothing_doubled()
