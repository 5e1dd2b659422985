"""Who may decide: a request is answered by the other party only, a mutual dénonciation needs
both parties; through the API over the real workflow.

The gestionnaire's token (`sad`) holds the SIREN of the contract; agents record the authority's
decisions and the paper mail received from the gestionnaire.
"""

from datetime import date
from typing import Any

from cpom.domain.clock import local_date
from tests.api.conftest import Stack
from tests.api.test_contracts_api import TERMS

REFERENCE = TERMS["reference"]
ACTIONS = f"/contracts/{REFERENCE}/actions"


async def started(stack: Stack) -> date:
    """The contract in force, imported, and the day it is on the workflow's clock."""
    created = await stack.http.post("/contracts", json={"terms": TERMS, "imported": True})
    assert created.status_code == 201, created.text
    await stack.projected(REFERENCE)
    return local_date(await stack.life.env.get_current_time())


async def detail(stack: Stack) -> dict[str, Any]:
    found: dict[str, Any] = (await stack.http.get(f"/contracts/{REFERENCE}")).json()
    return found


async def test_a_gestionnaire_cannot_accept_its_own_prorogation_request(stack: Stack) -> None:
    today = await started(stack)
    # The back office records the gestionnaire's letter.
    requested = await stack.http.post(
        f"{ACTIONS}/request_prorogation",
        json={"requested_by": "gestionnaire", "received_on": today.isoformat()},
    )
    assert requested.status_code == 200, requested.text
    # Its notice goes out beside the workflow's loop: journaled once sent.
    await stack.projected(REFERENCE, "notice_sent")
    before = await detail(stack)
    sad = stack.as_("sad")
    # What the probe did: the gestionnaire's token accepts its own request.
    own = await stack.http.post(
        f"{ACTIONS}/answer_prorogation",
        json={"accept": True, "received_on": today.isoformat()},
        headers=sad,
    )
    assert own.status_code == 409, own.text
    assert own.json() == {
        "detail": "la demande de prorogation du gestionnaire ne peut être acceptée ou refusée "
        "que par l'autorité"
    }
    # Naming the authority does not help: a gestionnaire decides in its own name only.
    posing = await stack.http.post(
        f"{ACTIONS}/answer_prorogation",
        json={"accept": True, "received_on": today.isoformat(), "answered_by": "autorite"},
        headers=sad,
    )
    assert posing.status_code == 403
    assert posing.json() == {
        "detail": "un gestionnaire ne décide qu'en son propre nom : « answered_by » ne peut être "
        "que « gestionnaire »"
    }
    after = await detail(stack)
    assert after["contract"]["phase"] == "prorogation_en_cours"
    assert after["contract"]["echeance"] == before["contract"]["echeance"] == "2028-12-31"
    assert after["events"] == before["events"]
    # The task stays the authority's: in the agent's inbox, not the gestionnaire's.
    assert "answer_prorogation" in [
        t["action"] for t in (await stack.http.get("/tasks")).json()["items"]
    ]
    sad_tasks = (await stack.http.get("/tasks", headers=sad)).json()["items"]
    assert "answer_prorogation" not in [t["action"] for t in sad_tasks]
    # The agent answers for the authority without naming it: the other party of the request.
    accepted = await stack.http.post(
        f"{ACTIONS}/answer_prorogation", json={"accept": True, "received_on": today.isoformat()}
    )
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["phase"] == "prorogee"
    answer = [e for e in (await detail(stack))["events"] if e["kind"] == "prorogation_accepted"]
    assert [(e["actor"], e["details"]["answered_by"]) for e in answer] == [
        ("Marie Dupont (agent)", "autorite")
    ]


async def test_a_gestionnaire_answers_the_authoritys_request_in_its_own_name(
    stack: Stack,
) -> None:
    today = await started(stack)
    await stack.http.post(
        f"{ACTIONS}/request_prorogation",
        json={"requested_by": "autorite", "received_on": today.isoformat()},
    )
    sad = stack.as_("sad")
    [task] = [
        t
        for t in (await stack.http.get("/tasks", headers=sad)).json()["items"]
        if t["action"] == "answer_prorogation"
    ]
    assert task["waiting_for"] == "gestionnaire"
    # The agent cannot answer the authority's own request in the authority's name.
    own = await stack.http.post(
        f"{ACTIONS}/answer_prorogation",
        json={"accept": True, "received_on": today.isoformat(), "answered_by": "autorite"},
    )
    assert own.status_code == 409
    assert "ne peut être acceptée ou refusée que par le gestionnaire" in own.json()["detail"]
    refused = await stack.http.post(
        f"{ACTIONS}/answer_prorogation",
        json={"accept": False, "received_on": today.isoformat()},
        headers=sad,
    )
    assert refused.status_code == 200, refused.text
    [answer] = [e for e in (await detail(stack))["events"] if e["kind"] == "prorogation_refused"]
    assert (answer["actor"], answer["details"]["answered_by"]) == (
        "Sophie Bernard (gestionnaire)",
        "gestionnaire",
    )
    assert answer["summary"] == f"prorogation refusée par le gestionnaire le {today:%d/%m/%Y}"


async def test_a_mutual_denonciation_needs_the_other_partys_acceptance(stack: Stack) -> None:
    today = await started(stack)
    proposed = await stack.http.post(
        f"{ACTIONS}/denounce", json={"mode": "mutuelle", "notified_on": today.isoformat()}
    )
    assert proposed.status_code == 200, proposed.text
    assert proposed.json() == {
        "phase": "execution",
        "message": "proposition de dénonciation d'un commun accord enregistrée : elle attend "
        "l'accord du gestionnaire ; sans réponse, le contrat continue",
    }
    contract = await detail(stack)
    assert not [a for a in contract["agenda"] if a["kind"] == "early_end"]
    [step] = [a for a in contract["agenda"] if a["kind"] == "denonciation_answer"]
    assert (step["waiting_for"], step["action"], step["on_silence"], step["status"]) == (
        "gestionnaire",
        "answer_denonciation",
        "reject",
        "pending",
    )
    # The gestionnaire's task, saying what silence means; none for the authority.
    sad = stack.as_("sad")
    [task] = [
        t
        for t in (await stack.http.get("/tasks", headers=sad)).json()["items"]
        if t["action"] == "answer_denonciation"
    ]
    assert task["title"] == "Répondre à la proposition de dénonciation d'un commun accord"
    assert task["consequence"] == (
        "sans réponse du gestionnaire, pas de dénonciation : le contrat continue de s'appliquer "
        "jusqu'à son échéance du 31/12/2028"
    )
    agent_tasks = (await stack.http.get("/tasks")).json()["items"]
    assert "answer_denonciation" not in [t["action"] for t in agent_tasks]
    # One party alone cannot make it mutual.
    alone = await stack.http.post(
        f"{ACTIONS}/answer_denonciation",
        json={"accept": True, "received_on": today.isoformat(), "answered_by": "autorite"},
    )
    assert alone.status_code == 409
    assert alone.json()["detail"] == (
        "la proposition de dénonciation d'un commun accord de l'autorité ne peut être acceptée "
        "ou refusée que par le gestionnaire"
    )
    # The gestionnaire accepts: the préavis runs from its acceptance.
    accepted = await stack.http.post(
        f"{ACTIONS}/answer_denonciation",
        json={"accept": True, "received_on": today.isoformat()},
        headers=sad,
    )
    assert accepted.status_code == 200, accepted.text
    assert (
        "dénonciation d'un commun accord acceptée : fin du contrat le"
        in (accepted.json()["message"])
    )
    contract = await detail(stack)
    [end] = [a for a in contract["agenda"] if a["kind"] == "early_end"]
    assert "acceptée par le gestionnaire" in end["basis"]["rule"]
    [step] = [a for a in contract["agenda"] if a["kind"] == "denonciation_answer"]
    assert (step["status"], step["done_by"]) == ("done", "Sophie Bernard (gestionnaire)")


async def test_an_agent_records_the_gestionnaires_proposal_and_the_authority_refuses(
    stack: Stack,
) -> None:
    today = await started(stack)
    proposed = await stack.http.post(
        f"{ACTIONS}/denounce",
        json={
            "mode": "mutuelle",
            "notified_on": today.isoformat(),
            "notified_by": "gestionnaire",
        },
    )
    assert "attend l'accord de l'autorité" in proposed.json()["message"]
    # The gestionnaire cannot accept its own proposal, nor propose in the authority's name.
    sad = stack.as_("sad")
    own = await stack.http.post(
        f"{ACTIONS}/answer_denonciation",
        json={"accept": True, "received_on": today.isoformat()},
        headers=sad,
    )
    assert own.status_code == 409
    assert (
        "du gestionnaire ne peut être acceptée ou refusée que par l'autorité"
        in (own.json()["detail"])
    )
    refused = await stack.http.post(
        f"{ACTIONS}/answer_denonciation",
        json={"accept": False, "received_on": today.isoformat()},
    )
    assert refused.status_code == 200, refused.text
    assert refused.json() == {
        "phase": "execution",
        "message": "proposition de dénonciation refusée : le contrat continue",
    }
    contract = await detail(stack)
    assert not [a for a in contract["agenda"] if a["kind"] == "early_end"]
    assert contract["contract"]["phase"] == "execution"
