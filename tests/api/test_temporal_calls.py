"""The API's calls to Temporal: idempotency keys bound to their caller and request, a deadline on
every call (no worker, a silent server), concurrent creates of one contract."""

import asyncio
import html
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio
from temporalio.client import Client

from api.csrf import csrf_token
from api.main import create_app
from cpom.access import Role, create_token
from cpom.converter import data_converter
from cpom.domain.clock import local_date
from cpom.settings import Settings
from cpom.simulation import LifeSimulator
from cpom.temporal_connection import connect
from tests.api.conftest import Stack, stack_over
from tests.api.test_contracts_api import TERMS

REFERENCE = TERMS["reference"]
ACTIONS = f"/contracts/{REFERENCE}/actions"
# Every request below is bounded: a call that hangs fails the test instead of holding it.
BOUND_SECONDS = 30


async def post(stack: Stack, path: str, body: dict[str, Any], **headers: str) -> httpx.Response:
    async with asyncio.timeout(BOUND_SECONDS):
        return await stack.http.post(path, json=body, headers=headers)


async def decide(
    stack: Stack, action: str, body: dict[str, Any], key: str, **headers: str
) -> httpx.Response:
    return await post(stack, f"{ACTIONS}/{action}", body, **{"Idempotency-Key": key, **headers})


async def created(stack: Stack) -> str:
    """The contract created and projected; its day today, as the workflow counts it."""
    response = await post(stack, "/contracts", {"terms": TERMS, "imported": True})
    assert response.status_code == 201, response.text
    await stack.projected(REFERENCE)
    return local_date(await stack.life._server_now()).isoformat()


def events(detail: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e for e in detail["events"] if e["kind"] == kind]


async def detail(stack: Stack) -> dict[str, Any]:
    found: dict[str, Any] = (await stack.http.get(f"/contracts/{REFERENCE}")).json()
    return found


# Idempotency keys ---------------------------------------------------------------------------


async def test_a_key_reused_for_another_decision_is_refused_and_nothing_changes(
    stack: Stack,
) -> None:
    today = await created(stack)
    request = {"requested_by": "gestionnaire", "received_on": today}
    first = await decide(stack, "request_prorogation", request, "k1")
    assert first.status_code == 200, first.text

    terminate = {"reason": "liquidation_judiciaire", "on": today}
    other = await decide(stack, "terminate", terminate, "k1")
    assert other.status_code == 422
    assert "clé d'idempotence « k1 » a déjà servi à une autre requête" in other.json()["detail"]
    changed = {**request, "requested_by": "autorite"}
    fields = await decide(stack, "request_prorogation", changed, "k1")
    assert fields.status_code == 422

    again = await decide(stack, "request_prorogation", request, "k1")
    assert (again.status_code, again.json()) == (200, first.json())
    assert again.headers["Idempotency-Key"] == "k1"
    # The same decision written otherwise is the same request (found by probing: refused).
    respelled = {"received_on": today, "requested_by": "gestionnaire", "authority": None}
    same = await decide(stack, "request_prorogation", respelled, "k1")
    assert (same.status_code, same.json()) == (200, first.json())
    now = await detail(stack)
    assert now["contract"]["phase"] == "prorogation_en_cours"
    assert len(events(now, "prorogation_requested")) == 1
    assert not events(now, "terminated")


async def test_the_first_answer_is_replayed_without_temporal(stack: Stack) -> None:
    today = await created(stack)
    request = {"requested_by": "gestionnaire", "received_on": today}
    first = await decide(stack, "request_prorogation", request, "a")
    refused = await decide(stack, "request_prorogation", request, "b")
    assert (first.status_code, refused.status_code) == (200, 409)
    await stack.life.stop_worker()
    # Same status, same body, from the stored answer: no worker needed.
    for key, answer in (("a", first), ("b", refused)):
        replay = await decide(stack, "request_prorogation", request, key)
        assert (replay.status_code, replay.json()) == (answer.status_code, answer.json())


async def test_keys_of_two_callers_never_collide(stack: Stack) -> None:
    today = await created(stack)
    colleague = create_token(
        stack.life.engine, Role.AGENT, "Jean Leroy", email="jean.leroy@ille-et-vilaine.example"
    )
    asked = await post(
        stack,
        f"{ACTIONS}/request_prorogation",
        {"requested_by": "gestionnaire", "received_on": today},
        **{"Idempotency-Key": "same"},
    )
    assert asked.status_code == 200, asked.text
    answered = await post(
        stack,
        f"{ACTIONS}/answer_prorogation",
        {"accept": True, "received_on": today},
        **{"Idempotency-Key": "same", "Authorization": f"Bearer {colleague}"},
    )
    assert answered.status_code == 200, answered.text
    assert answered.json() != asked.json()
    accepted = events(await detail(stack), "prorogation_accepted")
    assert [e["actor"] for e in accepted] == ["Jean Leroy (agent)"]


# Nothing hangs ------------------------------------------------------------------------------


@pytest_asyncio.fixture
async def real_stack() -> AsyncIterator[Stack]:
    """The API on the dev server, which keeps a decision no worker took until one comes back;
    a decision waits one second for a worker."""
    async with (
        LifeSimulator(Settings(worker_wait_seconds=1.0), real_server=True) as life,
        stack_over(life) as served,
    ):
        yield served


async def test_without_worker_a_decision_answers_503_then_its_outcome_once(
    real_stack: Stack,
) -> None:
    stack = real_stack
    today = await created(stack)
    await stack.life.stop_worker()
    request = {"requested_by": "gestionnaire", "received_on": today}
    path = f"{ACTIONS}/request_prorogation"

    pending = await post(stack, path, request, **{"Idempotency-Key": "k-503"})
    assert pending.status_code == 503, pending.text
    assert pending.headers["Retry-After"] == "30"
    assert pending.headers["Idempotency-Key"] == "k-503"
    assert "aucun worker n'a pris la décision en charge en 1 s" in pending.json()["detail"]
    # Without a key, the API makes one and gives it back, so that the retry is safe.
    keyless = await post(stack, f"{ACTIONS}/validate_cadrage", {})
    assert keyless.status_code == 503
    made = keyless.headers["Idempotency-Key"]
    assert made
    assert made in keyless.json()["detail"]
    # A create needs no worker.
    successor = {**TERMS, "reference": "CPOM-35-SAD-2029"}
    made_new = await post(stack, "/contracts", {"terms": successor, "imported": True})
    assert made_new.status_code == 201

    await stack.life.start_worker()
    retry = {"Idempotency-Key": "k-503"}
    async with asyncio.timeout(BOUND_SECONDS):
        # The worker just came back: it may take a few seconds to get the contract's task.
        while (taken := await post(stack, path, request, **retry)).status_code == 503:
            pass
    assert taken.status_code == 200, taken.text
    assert "le silence vaut accord" in taken.json()["message"]
    again = await post(stack, path, request, **{"Idempotency-Key": "k-503"})
    assert (again.status_code, again.json()) == (200, taken.json())
    # The API waits 5 s at most for the projection: on a loaded machine it may come later.
    async with asyncio.timeout(BOUND_SECONDS):
        while not (requested := events(await detail(stack), "prorogation_requested")):
            await asyncio.sleep(0.05)
    assert len(requested) == 1
    # The keyless decision was left with the server: its retry under the key the API made gets
    # its outcome, once a worker has it (1 s may not be enough on a loaded machine).
    async with asyncio.timeout(BOUND_SECONDS):
        while (
            refused := await post(
                stack, f"{ACTIONS}/validate_cadrage", {}, **{"Idempotency-Key": made}
            )
        ).status_code == 503:
            pass
    assert refused.status_code == 409, refused.text


async def test_a_dashboard_decision_pending_keeps_its_key_for_the_retry(
    real_stack: Stack,
) -> None:
    stack = real_stack
    today = await created(stack)
    await stack.life.stop_worker()
    session = stack.session("agent")
    form = {
        "csrf": csrf_token(session),
        "idempotency_key": "formulaire-1",
        "requested_by": "gestionnaire",
        "received_on": today,
    }
    cookie = stack.signed_in("agent")
    path = f"/tableau/contrats/{REFERENCE}/decisions/request_prorogation"
    async with asyncio.timeout(BOUND_SECONDS):
        pending = await stack.http.post(path, data=form, headers=cookie)
    assert pending.status_code == 503
    page = html.unescape(pending.text)
    assert "Décision en attente\u00a0:" in page
    assert "aucun worker n'a pris la décision en charge" in page
    # The form shown again carries the same key, the other forms new ones.
    assert page.count('value="formulaire-1"') == 1

    await stack.life.start_worker()
    async with asyncio.timeout(BOUND_SECONDS):
        # The worker just came back: it may take a few seconds to get the contract's task.
        while (taken := await stack.http.post(path, data=form, headers=cookie)).status_code == 503:
            assert "Décision en attente\u00a0:" in html.unescape(taken.text)
        assert taken.status_code == 303, taken.text
        again = await stack.http.post(path, data=form, headers=cookie)
        assert again.status_code == 303, again.text
    assert len(events(await detail(stack), "prorogation_requested")) == 1


async def test_health_says_whether_a_worker_polls_the_task_queue(real_stack: Stack) -> None:
    stack = real_stack
    async with asyncio.timeout(BOUND_SECONDS):
        # The worker just started: polling until it has asked for work once.
        while (health := (await stack.http.get("/healthz")).json())["status"] != "ok":
            await asyncio.sleep(0.05)
    assert (health["temporal"], health["worker"], health["workers"]) == ("joignable", "présent", 1)
    # An API whose task queue no worker polls.
    life = stack.life
    lonely = life.settings.model_copy(update={"task_queue": "personne"})
    app = create_app(lonely, client=life.env.client, engine=life.engine)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://x") as http,
        asyncio.timeout(BOUND_SECONDS),
    ):
        answer = await http.get("/healthz")
    assert answer.status_code == 200
    assert answer.json() == {
        "status": "dégradé",
        "temporal": "joignable",
        "worker": "absent",
        "workers": 0,
        "detail": "aucun worker n'écoute la file « personne » : les décisions attendent "
        "(503 au-delà du délai), les lectures fonctionnent",
    }


async def test_a_silent_temporal_gets_503s_in_time_never_a_hang(stack: Stack) -> None:
    """A server that accepts connections and never answers: every call has its deadline."""
    today = await created(stack)
    held: list[asyncio.StreamWriter] = []

    async def hold(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    address = f"127.0.0.1:{server.sockets[0].getsockname()[1]}"
    settings = stack.life.settings.model_copy(
        update={
            "temporal_address": address,
            "temporal_timeout_seconds": 1.0,
            "worker_wait_seconds": 1.0,
        }
    )
    try:
        refused = f"Temporal ne répond pas sur {address} après 1 s"
        async with asyncio.timeout(BOUND_SECONDS):
            with pytest.raises(RuntimeError, match=refused):
                await connect(settings)
        silent = await Client.connect(address, lazy=True, data_converter=data_converter)
        app = create_app(settings, client=silent, engine=stack.life.engine)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app),
                base_url="http://x",
                headers={"Authorization": f"Bearer {stack.tokens['agent']}"},
            ) as http,
            asyncio.timeout(BOUND_SECONDS),
        ):
            decision = await http.post(
                f"{ACTIONS}/request_prorogation",
                json={"requested_by": "gestionnaire", "received_on": today},
            )
            assert decision.status_code == 503
            assert decision.headers["Retry-After"] == "30"
            assert decision.headers["Idempotency-Key"]
            create = await http.post(
                "/contracts",
                json={"terms": {**TERMS, "reference": "CPOM-35-SAD-2029"}, "imported": True},
            )
            assert create.status_code == 503
            assert "Temporal n'a pas répondu en 1 s" in create.json()["detail"]
            assert create.headers["Retry-After"] == "30"
            health = (await http.get("/healthz")).json()
            assert (health["status"], health["temporal"]) == ("dégradé", "injoignable")
            assert health["detail"] == "Temporal n'a pas répondu en 2 s"
    finally:
        for writer in held:
            writer.close()
        server.close()
    # Nothing was created, nothing was decided.
    assert (await stack.http.get("/contracts/CPOM-35-SAD-2029")).status_code == 404
    assert not events(await detail(stack), "prorogation_requested")


# Concurrent creates -------------------------------------------------------------------------


async def test_concurrent_creates_of_one_contract_answer_201_once_then_200(stack: Stack) -> None:
    body = {"terms": TERMS, "imported": True}
    async with asyncio.timeout(BOUND_SECONDS * 2):
        answers = await asyncio.gather(
            *(stack.http.post("/contracts", json=body) for _ in range(50))
        )
    codes = [a.status_code for a in answers]
    assert sorted(set(codes)) == [200, 201], [a.text for a in answers if a.status_code >= 300]
    assert codes.count(201) == 1
    assert {a.json()["reference"] for a in answers} == {REFERENCE}
