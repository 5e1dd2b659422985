"""Several authorities in one deployment: a token scoped to an authority reads and acts on the
contracts that authority signs, lead or co-signing, and on no other; a national token reads
them all. Over the real stack."""

import html
import re
from typing import Any

import httpx
import pytest

from cpom.access import Role, create_token
from cpom.domain.clock import local_date
from tests.api.conftest import Stack
from tests.api.test_contracts_api import TERMS
from tests.api.test_imports import sign_in, upload
from tests.imports import as_csv, contract_row

# Authority A (TERMS' Département, known by its kind) leads A; B (the ARS) leads B; the ARS
# leads the joint contract, which A co-signs.
A, B = "departement", "ars-bretagne"
ARS = {"id": B, "kind": "ars", "name": "ARS Bretagne", "territory": "35"}
CONTRACT_A = TERMS["reference"]
CONTRACT_B = "CPOM-35-ESMS-ARS"
JOINT = "CPOM-35-ESMS-CONJOINT"
TERMS_B: dict[str, Any] = {
    "reference": CONTRACT_B,
    "preset": "esms-ars",
    "effet": "2024-01-01",
    "duration_years": 5,
    "authority": ARS,
    "gestionnaire": {"raison_sociale": "EHPAD Les Tilleuls", "siren": "552100554"},
}
TERMS_JOINT: dict[str, Any] = {
    **{k: v for k, v in TERMS_B.items() if k != "authority"},
    "reference": JOINT,
    "authorities": [ARS, {**TERMS["authority"], "role": "cosignataire"}],
}
PEOPLE = {
    "agent-a": (Role.AGENT, A),
    "superviseur-a": (Role.SUPERVISOR, A),
    "agent-b": (Role.AGENT, B),
}


async def with_contracts(stack: Stack) -> None:
    """The three contracts, in force, and a token for each of PEOPLE."""
    for who, (role, authority) in PEOPLE.items():
        stack.tokens[who] = create_token(
            stack.life.engine, role, who, email=f"{who}@cpom.example", authority=authority
        )
    for terms in (TERMS, TERMS_B, TERMS_JOINT):
        created = await stack.http.post("/contracts", json={"terms": terms, "imported": True})
        assert created.status_code == 201, created.text
        await stack.projected(terms["reference"])


async def listed(stack: Stack, who: str) -> list[str]:
    answer = await stack.http.get("/contracts", headers=stack.as_(who))
    assert answer.status_code == 200, answer.text
    return sorted(item["reference"] for item in answer.json()["items"])


async def test_each_scoped_token_lists_its_authoritys_contracts_and_a_national_one_all(
    stack: Stack,
) -> None:
    await with_contracts(stack)
    assert await listed(stack, "agent") == sorted([CONTRACT_A, CONTRACT_B, JOINT])
    assert await listed(stack, "superviseur") == sorted([CONTRACT_A, CONTRACT_B, JOINT])
    # The joint contract is each of its authorities'.
    assert await listed(stack, "agent-a") == sorted([CONTRACT_A, JOINT])
    assert await listed(stack, "superviseur-a") == sorted([CONTRACT_A, JOINT])
    assert await listed(stack, "agent-b") == sorted([CONTRACT_B, JOINT])
    # The scope is the token's, not a parameter: a filter cannot widen it.
    searched = await stack.http.get(
        "/contracts", params={"q": CONTRACT_B}, headers=stack.as_("agent-a")
    )
    assert searched.json()["items"] == []
    # The exports, the inbox and the calendar read the same contracts.
    export = (await stack.http.get("/contracts.csv", headers=stack.as_("agent-a"))).text
    assert (CONTRACT_A in export, JOINT in export, CONTRACT_B in export) == (True, True, False)
    tasks = (await stack.http.get("/tasks", headers=stack.as_("agent-b"))).json()["items"]
    assert tasks
    assert {task["reference"] for task in tasks} <= {CONTRACT_B, JOINT}
    calendar = (await stack.http.get("/calendar.ics", headers=stack.as_("agent-a"))).text
    assert (CONTRACT_A in calendar, CONTRACT_B in calendar) == (True, False)
    assert (await stack.http.get("/me", headers=stack.as_("agent-a"))).json()["authority"] == A
    assert (await stack.http.get("/me")).json()["authority"] is None


@pytest.mark.parametrize(
    "path",
    [
        "/contracts/{reference}",
        "/contracts/{reference}/notices",
        "/contracts/{reference}/documents",
        "/contracts/{reference}/calendar.ics",
        "/contracts/{reference}/objectives",
    ],
)
async def test_another_authoritys_contract_does_not_exist(stack: Stack, path: str) -> None:
    await with_contracts(stack)
    for who in ("agent-a", "superviseur-a"):
        answer = await stack.http.get(path.format(reference=CONTRACT_B), headers=stack.as_(who))
        assert answer.status_code == 404
        # The same answer as for a reference nobody uses: nothing tells that it exists.
        assert answer.json()["detail"] == f"contrat inconnu : « {CONTRACT_B} »"
        joint = await stack.http.get(path.format(reference=JOINT), headers=stack.as_(who))
        assert joint.status_code == 200
    refused = await stack.http.post(
        f"/contracts/{CONTRACT_B}/actions/open_renegotiation", json={}, headers=stack.as_("agent-a")
    )
    assert refused.status_code == 404


async def test_a_scoped_agent_creates_only_contracts_its_authority_signs(stack: Stack) -> None:
    await with_contracts(stack)
    other = {**TERMS_B, "reference": "CPOM-35-ESMS-ARS-2"}
    refused = await stack.http.post(
        "/contracts", json={"terms": other, "imported": True}, headers=stack.as_("agent-a")
    )
    assert refused.status_code == 422
    assert (
        "un agent de l'autorité « departement » ne crée que les contrats qu'elle signe ; "
        "celui-ci est signé par : ars-bretagne"
    ) in refused.text
    # Co-signing is signing.
    joint = {**TERMS_JOINT, "reference": "CPOM-35-ESMS-CONJOINT-2"}
    created = await stack.http.post(
        "/contracts", json={"terms": joint, "imported": True}, headers=stack.as_("agent-a")
    )
    assert created.status_code == 201, created.text
    # A reference another authority's contract holds: neither created nor shown.
    taken = {**TERMS, "reference": CONTRACT_B}
    again = await stack.http.post(
        "/contracts", json={"terms": taken, "imported": True}, headers=stack.as_("agent-a")
    )
    assert again.status_code == 422
    assert f"la référence « {CONTRACT_B} » est déjà prise" in again.text
    assert "phase" not in again.json()


async def test_on_a_joint_contract_each_agent_decides_in_its_own_authoritys_name(
    stack: Stack,
) -> None:
    await with_contracts(stack)
    actions = f"/contracts/{JOINT}/actions"
    day = local_date(await stack.life.env.get_current_time()).isoformat()
    dialogue = {"held_on": day, "participants": ["A"], "decisions": ["B"]}
    recorded = await stack.http.post(
        f"{actions}/record_dialogue", json=dialogue, headers=stack.as_("agent-a")
    )
    assert recorded.status_code == 200, recorded.text

    async def act(who: str, action: str, fields: dict[str, Any]) -> httpx.Response:
        return await stack.http.post(f"{actions}/{action}", json=fields, headers=stack.as_(who))

    # The ARS's agent cannot approve in the Département's name, nor the Département's take a
    # decision only the lead authority takes.
    in_a_name = await act("agent-b", "approve_releve", {"party": "autorite", "authority": A})
    assert in_a_name.status_code == 403
    assert "un agent de l'autorité « ars-bretagne » ne décide qu'en son nom" in in_a_name.text
    lead_only = await act("agent-a", "denounce", {"mode": "mutuelle", "notified_on": day})
    assert lead_only.status_code == 403
    assert "au nom de l'autorité chef de file « ars-bretagne »" in lead_only.text
    # Each approves the relevé for its own authority, without naming it.
    for who in ("agent-a", "agent-b"):
        approved = await act(who, "approve_releve", {"party": "autorite"})
        assert approved.status_code == 200, approved.text
    detail = (await stack.http.get(f"/contracts/{JOINT}")).json()
    approvals = [e for e in detail["events"] if e["kind"] == "releve_approved"]
    assert [e["details"].get("authority") for e in approvals] == [A, None]
    assert [e["actor"] for e in approvals] == ["agent-a (agent)", "agent-b (agent)"]


def page_text(answer: httpx.Response) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", answer.text))


async def test_the_dashboard_shows_a_scoped_person_its_authoritys_contracts(
    stack: Stack,
) -> None:
    await with_contracts(stack)
    portfolio = await stack.http.get("/tableau/", headers=stack.signed_in("superviseur-a"))
    assert portfolio.status_code == 200
    shown = page_text(portfolio)
    assert (CONTRACT_A in shown, JOINT in shown, CONTRACT_B in shown) == (True, True, False)
    assert "superviseur, autorité «\u00a0departement\u00a0»" in shown
    inbox = page_text(
        await stack.http.get("/tableau/a-traiter", headers=stack.signed_in("agent-b"))
    )
    assert CONTRACT_A not in inbox
    page = await stack.http.get(
        f"/tableau/contrats/{CONTRACT_B}", headers=stack.signed_in("agent-a")
    )
    assert page.status_code == 404
    # A page, as unknown as a reference never created (found by probing: it was JSON).
    assert page.headers["content-type"].startswith("text/html")
    assert f"Contrat inconnu\u00a0: «\u00a0{CONTRACT_B}\u00a0»." in page_text(page)
    assert 'href="/tableau/"' in page.text
    joint = await stack.http.get(f"/tableau/contrats/{JOINT}", headers=stack.signed_in("agent-a"))
    assert joint.status_code == 200
    # A scoped agent decides in its authority's name: it chooses none.
    assert 'name="authority"' not in joint.text
    national = await stack.http.get(f"/tableau/contrats/{JOINT}", headers=stack.signed_in("agent"))
    assert 'name="authority"' in national.text
    calendar = page_text(
        await stack.http.get("/tableau/calendrier", headers=stack.signed_in("agent-a"))
    )
    assert "tous les contrats de l'autorité «\u00a0departement\u00a0»" in calendar


async def test_a_scoped_agent_imports_only_its_authoritys_contracts(stack: Stack) -> None:
    await with_contracts(stack)
    stack.http.headers.pop("Authorization")
    csrf = await sign_in(stack, "agent-a")
    # Row 0 is the Département's (SAD), row 1 the ARS's: nothing of the file is created.
    answer = await upload(stack, csrf, "contrats.csv", as_csv([contract_row(0), contract_row(1)]))
    assert answer.status_code == 422
    assert re.search(
        "\\b3\\s+contrat signé par ars\u00a0: un agent de l'autorité «\u00a0departement\u00a0» "
        r"n'importe "
        r"que les contrats qu'elle signe",
        page_text(answer),
    )
    started = await upload(stack, csrf, "contrats.csv", as_csv([contract_row(0)]))
    assert started.status_code == 303, started.text
    job = started.headers["location"]
    # Another authority's agent sees neither the import nor its progress.
    csrf_b = await sign_in(stack, "agent-b")
    assert csrf_b
    assert (await stack.http.get(job)).status_code == 404
    assert job.rsplit("/", 1)[1] not in (await stack.http.get("/tableau/import")).text
    await sign_in(stack, "agent-a")
    assert (await stack.http.get(job)).status_code == 200
