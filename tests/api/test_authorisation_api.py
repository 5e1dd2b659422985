"""Authorisation requests through the API and the dashboard over the real stack: the
gestionnaire requests, the authority alone decides, a refusal gives its reasons, and the live
agenda, the inboxes and the calendar show what the State's silence means."""

import asyncio
import html
from datetime import date
from typing import Any

from api.csrf import csrf_token
from cpom.domain.clock import local_date
from tests.api.conftest import Stack
from tests.api.test_contracts_api import TERMS

AHI: dict[str, Any] = {
    **TERMS,
    "reference": "CPOM-35-AHI-2024",
    "preset": "ahi-etat",
    "authority": {
        "kind": "etat",
        "name": "Préfecture de la région Bretagne",
        "territory": "35",
        "email": "ddets@ille-et-vilaine.example",
    },
}
REFERENCE = AHI["reference"]
ACTIONS = f"/contracts/{REFERENCE}/actions"
SUBJECT = "Extension de 12 places du CHRS Les Tilleuls"


async def started(stack: Stack, terms: dict[str, Any] = AHI) -> date:
    created = await stack.http.post("/contracts", json={"terms": terms, "imported": True})
    assert created.status_code == 201, created.text
    await stack.projected(terms["reference"])
    return local_date(await stack.life.env.get_current_time())


async def detail(stack: Stack) -> dict[str, Any]:
    found: dict[str, Any] = (await stack.http.get(f"/contracts/{REFERENCE}")).json()
    return found


def item(found: dict[str, Any], key: str) -> dict[str, Any]:
    return next(i for i in found["agenda"] if i["key"] == key)


async def test_the_gestionnaire_requests_and_only_the_authority_decides(stack: Stack) -> None:
    today = await started(stack)
    sad = stack.as_("sad")
    request_id = f"{today.isoformat()}-1"
    # The gestionnaire cannot ask in the authority's name.
    posing = await stack.http.post(
        f"{ACTIONS}/request_authorisation",
        json={"subject": SUBJECT, "received_on": today.isoformat(), "requested_by": "autorite"},
        headers=sad,
    )
    assert posing.status_code == 403
    assert "« requested_by » ne peut être que « gestionnaire »" in posing.json()["detail"]
    empty = await stack.http.post(
        f"{ACTIONS}/request_authorisation",
        json={"received_on": today.isoformat()},
        headers=sad,
    )
    assert empty.status_code == 422
    assert empty.json()["detail"] == ["subject : champ obligatoire manquant"]
    requested = await stack.http.post(
        f"{ACTIONS}/request_authorisation",
        json={"subject": SUBJECT, "received_on": today.isoformat()},
        headers=sad,
    )
    assert requested.status_code == 200, requested.text
    assert f"demande d'autorisation n° {request_id} enregistrée" in requested.json()["message"]
    assert "son silence vaudra rejet" in requested.json()["message"]
    await stack.projected(REFERENCE, "authorisation_requested")
    # The notice of the request goes out beside the workflow's loop: once it is logged, the
    # contract's log no longer moves by itself.
    before = await detail(stack)
    for _ in range(250):  # polling the projection, not waiting for time
        if any("demande_d_autorisation_recue" in e["summary"] for e in before["events"]):
            break
        await asyncio.sleep(0.02)
        before = await detail(stack)
    answer = item(before, f"autorisation:{request_id}")
    assert answer["waiting_for"] == "autorite"
    assert answer["action"] == "answer_authorisation"
    assert answer["on_silence"] == "reject"
    assert answer["status"] == "pending"
    assert answer["basis"]["law"].startswith("loi n° 2018-1021 du 23 novembre 2018, art. 125 IV")
    assert "le silence vaut rejet" not in answer["basis"]["source"]
    assert "son silence vaut rejet" in answer["consequence"]
    assert item(before, f"autorisation:{request_id}:reception")["done_by"] == (
        "Sophie Bernard (gestionnaire)"
    )
    # The gestionnaire does not decide on its own request.
    own = await stack.http.post(
        f"{ACTIONS}/answer_authorisation",
        json={"request_id": request_id, "accept": True, "received_on": today.isoformat()},
        headers=sad,
    )
    assert own.status_code == 403
    # A refusal without reasons is refused, and nothing changes.
    unreasoned = await stack.http.post(
        f"{ACTIONS}/answer_authorisation",
        json={"request_id": request_id, "accept": False, "received_on": today.isoformat()},
    )
    assert unreasoned.status_code == 409
    assert unreasoned.json()["detail"] == (
        "un refus d'autorisation est motivé (C. relations entre le public et l'administration, "
        "art. L. 211-2) : indiquer ses motifs"
    )
    assert (await detail(stack))["events"] == before["events"]
    # The task is the authority's, and it is in the calendars.
    agent_tasks = (await stack.http.get("/tasks")).json()["items"]
    [task] = [t for t in agent_tasks if t["action"] == "answer_authorisation"]
    assert task["silence_on"] == answer["silence_on"]
    sad_tasks = (await stack.http.get("/tasks", headers=sad)).json()["items"]
    assert "answer_authorisation" not in [t["action"] for t in sad_tasks]
    ics = (await stack.http.get(f"/contracts/{REFERENCE}/calendar.ics")).text
    assert "Décision sur la demande d'autorisation" in ics.replace("\r\n ", "")
    # The agent decides from the dashboard, the request chosen among those awaiting.
    page = await stack.http.get(f"/tableau/contrats/{REFERENCE}", headers=stack.signed_in("agent"))
    assert "Se prononcer sur une demande d'autorisation" in html.unescape(page.text)
    assert f'<option value="{request_id}" selected>' in page.text
    posted = await stack.http.post(
        f"/tableau/contrats/{REFERENCE}/decisions/answer_authorisation",
        data={
            "csrf": csrf_token(stack.session("agent")),
            "request_id": request_id,
            "accept": "false",
            "received_on": today.isoformat(),
            "reasons": "Capacité du schéma régional atteinte",
        },
        headers=stack.signed_in("agent"),
    )
    assert posted.status_code == 303, posted.text
    after = await stack.projected(REFERENCE, "authorisation_answered")
    answered = item(after, f"autorisation:{request_id}")
    assert answered["status"] == "done"
    assert answered["done_by"] == "Marie Dupont (agent)"
    assert answered["outcome"] == (
        "autorisation refusée ; motifs : Capacité du schéma régional atteinte"
    )
    again = await stack.http.post(
        f"{ACTIONS}/answer_authorisation",
        json={"request_id": request_id, "accept": True, "received_on": today.isoformat()},
    )
    assert again.status_code == 409
    assert "a déjà reçu sa réponse : autorisation refusée le" in again.json()["detail"]


async def test_a_contract_without_authorisation_requests_offers_no_form(stack: Stack) -> None:
    today = await started(stack, TERMS)
    page = await stack.http.get(
        f"/tableau/contrats/{TERMS['reference']}", headers=stack.signed_in("agent")
    )
    assert page.status_code == 200
    assert "demande d'autorisation" not in html.unescape(page.text)
    refused = await stack.http.post(
        f"/contracts/{TERMS['reference']}/actions/request_authorisation",
        json={"subject": SUBJECT, "received_on": today.isoformat()},
        headers=stack.as_("sad"),
    )
    assert refused.status_code == 409
    assert refused.json()["detail"] == (
        "le contrat ne prévoit pas de demande d'autorisation à l'autorité (préréglage sad)"
    )
