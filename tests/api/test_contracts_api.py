"""The HTTP API end to end: contracts created, listed, acted upon; errors in French, never 5xx."""

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from icalendar import Calendar
from sqlalchemy import Connection, event
from temporalio.service import RPCError

from api.schemas import ContractDetail
from cpom.db import projection
from cpom.domain.clock import local_date
from cpom.domain.lifecycle import ContractState, Phase
from cpom.domain.terms_input import terms_from_mapping
from cpom.messages import ProjectionUpdate
from tests.api.conftest import Stack

TERMS: dict[str, Any] = {
    "reference": "CPOM-35-SAD-2024",
    "preset": "sad",
    "effet": "2024-01-01",
    "duration_years": 5,
    "authority": {
        "kind": "departement",
        "name": "Département d'Ille-et-Vilaine",
        "territory": "35",
        "email": "cpom@ille-et-vilaine.example",
    },
    "gestionnaire": {
        "raison_sociale": "SAD Exemple",
        "siren": "732829320",
        "email": "direction@sad-exemple.example",
    },
}


async def test_create_is_idempotent_on_the_reference(stack: Stack) -> None:
    first = await stack.http.post("/contracts", json={"terms": TERMS, "imported": True})
    assert first.status_code == 201, first.text
    assert first.json()["created"] is True
    again = await stack.http.post("/contracts", json={"terms": TERMS, "imported": True})
    assert again.status_code == 200
    assert again.json()["created"] is False
    listed = (await stack.http.get("/contracts")).json()
    assert listed["total"] == 1
    assert listed["items"][0]["reference"] == "CPOM-35-SAD-2024"
    assert listed["items"][0]["echeance"] == "2028-12-31"


async def test_invalid_terms_get_a_french_422_and_nothing_starts(stack: Stack) -> None:
    bad = {**TERMS, "duration_years": 7, "effet": "2023-02-29"}
    response = await stack.http.post("/contracts", json={"terms": bad})
    assert response.status_code == 422
    assert "effet : la date 2023-02-29 n'existe pas" in response.json()["detail"]
    assert (await stack.http.get("/contracts")).json()["total"] == 0


async def test_contract_detail_reads_the_live_agenda(stack: Stack) -> None:
    await stack.http.post("/contracts", json={"terms": TERMS, "imported": True})
    detail = await stack.projected("CPOM-35-SAD-2024")
    # Built straight from the projection's rows, the answer still follows its documented model.
    assert ContractDetail.model_validate(detail).contract.reference == "CPOM-35-SAD-2024"
    notice = next(a for a in detail["agenda"] if a["kind"] == "prorogation_notice_deadline")
    assert notice["date"] == "2028-06-30"
    assert notice["basis"]["anchor"] == "2028-12-31"
    assert (notice["nature"], notice["status"], notice["status_label"]) == (
        "délai légal",
        "upcoming",
        "à venir",
    )
    assert (await stack.http.get("/contracts/INCONNU")).json() == {
        "detail": "contrat inconnu : « INCONNU »"
    }


async def test_actions_go_through_the_workflow_validators(stack: Stack) -> None:
    await stack.http.post("/contracts", json={"terms": TERMS, "imported": True})
    today = local_date(await stack.life.env.get_current_time())
    requested = await stack.http.post(
        "/contracts/CPOM-35-SAD-2024/actions/request_prorogation",
        json={"requested_by": "gestionnaire", "received_on": today.isoformat()},
    )
    # A notice may come any day until 30 June 2028.
    assert requested.status_code == 200, requested.text
    assert "le silence vaut accord" in requested.json()["message"]
    twice = await stack.http.post(
        "/contracts/CPOM-35-SAD-2024/actions/request_prorogation",
        json={"requested_by": "gestionnaire", "received_on": today.isoformat()},
    )
    assert twice.status_code == 409
    assert "prorogation en cours" in twice.json()["detail"]
    wrong = await stack.http.post(
        "/contracts/CPOM-35-SAD-2024/actions/submit_documents",
        json={"exercise": "deux mille", "items": "tout"},
    )
    assert wrong.status_code == 422
    assert "exercise : nombre entier attendu" in wrong.json()["detail"]
    unknown = await stack.http.post("/contracts/CPOM-35-SAD-2024/actions/proroger", json={})
    assert unknown.status_code == 404
    assert "action « proroger » inconnue" in unknown.json()["detail"]


async def test_notices_documents_and_calendars(stack: Stack) -> None:
    await stack.http.post("/contracts", json={"terms": TERMS, "imported": True})
    today = local_date(await stack.life.env.get_current_time())
    await stack.http.post(
        "/contracts/CPOM-35-SAD-2024/actions/request_prorogation",
        json={"requested_by": "gestionnaire", "received_on": today.isoformat()},
    )
    handle = stack.life.handle("CPOM-35-SAD-2024")
    # Let the two-month window end in silence.
    await stack.life.env.sleep(date(2027, 3, 1) - today)
    await handle.query("phase")
    notices = (await stack.http.get("/contracts/CPOM-35-SAD-2024/notices")).json()
    kinds = [n["kind"] for n in notices]
    assert "demande_de_prorogation_recue" in kinds
    assert "prorogation_acceptee" in kinds
    assert all(n["smtp_response"].startswith("2.0.0 Ok") for n in notices if n["status"] == "sent")
    # People read what the server's answer means; its raw line stays in the API, as proof.
    page = await stack.http.get(
        "/tableau/contrats/CPOM-35-SAD-2024", headers=stack.signed_in("agent")
    )
    assert "accepté par le serveur de messagerie" in page.text
    assert "queued as" not in page.text
    detail = (await stack.http.get("/contracts/CPOM-35-SAD-2024")).json()
    documents = [e for e in detail["events"] if e["kind"] == "document_generated"]
    assert {d["details"]["document"] for d in documents} == {
        "avenant_de_prorogation",
        "attestation_acceptation_tacite",
    }
    document_id = documents[0]["details"]["document_id"]
    pdf = await stack.http.get(f"/contracts/CPOM-35-SAD-2024/documents/{document_id}")
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    missing = await stack.http.get("/contracts/CPOM-35-SAD-2024/documents/999")
    assert missing.status_code == 404
    ics = await stack.http.get("/contracts/CPOM-35-SAD-2024/calendar.ics")
    events = list(Calendar.from_ical(ics.content).walk("VEVENT"))
    assert any(e.decoded("DTSTART") == date(2029, 12, 31) for e in events)  # new échéance
    accepted = next(e for e in events if "Prorogation acceptée" in str(e["SUMMARY"]))
    assert "le silence a valu accord" in str(accepted["DESCRIPTION"])
    # The person's feed holds what is still open, stamped when it is generated.
    feed = list(Calendar.from_ical((await stack.http.get("/calendar.ics")).content).walk("VEVENT"))
    assert feed
    assert {e["UID"] for e in feed} < {e["UID"] for e in events}
    generated = datetime.now(UTC)
    assert all(abs(e.decoded("DTSTAMP") - generated) < timedelta(minutes=1) for e in feed)


async def test_bad_requests_are_4xx_in_french(stack: Stack) -> None:
    assert (await stack.http.get("/healthz")).status_code == 200
    page = await stack.http.get("/contracts", params={"page": 0})
    assert page.status_code == 422
    assert "valeur trop petite" in page.json()["detail"][0]
    broken = await stack.http.post(
        "/contracts", content=b"{", headers={"content-type": "application/json"}
    )
    assert broken.status_code == 422
    assert broken.json()["detail"] == ["body : JSON invalide (au caractère 1)"]
    # Pydantic's own English is never shown (found by probing the API).
    sort = await stack.http.get("/contracts", params={"sort": "foo"})
    assert sort.status_code == 422
    [said] = sort.json()["detail"]
    assert said.startswith("query.sort : valeur non prévue (possibles : « "), said
    assert " ou « " in said
    assert "Input" not in said
    # An unknown phase or sector is refused too, not answered with an empty list (found by
    # probing); the dashboard's « toutes » (empty) is no filter.
    for name, value in (("phase", "resilie"), ("sector", "zzz")):
        unknown = await stack.http.get("/contracts", params={name: value})
        assert unknown.status_code == 422, unknown.text
        assert unknown.json()["detail"][0].startswith(f"query.{name} : valeur non prévue")
        assert (await stack.http.get("/contracts", params={name: ""})).status_code == 200
    assert (await stack.http.get("/contracts", params={"phase": "resiliee"})).status_code == 200
    created = await stack.http.post("/contracts", json={"terms": TERMS, "imported": True})
    assert created.status_code == 201, created.text
    await stack.projected(TERMS["reference"])
    decision = await stack.http.post(
        f"/contracts/{TERMS['reference']}/actions/terminate",
        json={"reason": "x", "on": "2026-12-01T10:00:00"},
    )
    assert decision.status_code == 422
    assert sorted(decision.json()["detail"]) == [
        "on : date sans heure attendue, au format AAAA-MM-JJ",
        "reason : valeur non prévue (possibles : « liquidation_judiciaire » ou « manquement »)",
    ]
    huge = await stack.http.post("/contracts", content=b"x" * (300 * 1024))
    assert huge.status_code == 413
    assert "trop volumineux" in huge.json()["detail"]
    assert (await stack.http.get("/nulle-part")).json() == {"detail": "ressource inconnue"}


async def test_access_by_role(stack: Stack) -> None:
    await stack.http.post("/contracts", json={"terms": TERMS, "imported": True})
    other = {
        **TERMS,
        "reference": "CPOM-35-AUTRE",
        "gestionnaire": {"raison_sociale": "Autre SAD", "siren": "552100554"},
    }
    await stack.http.post("/contracts", json={"terms": other, "imported": True})
    anonymous = await stack.http.get("/contracts", headers={"Authorization": ""})
    assert anonymous.status_code == 401
    assert anonymous.json() == {"detail": "jeton d'accès manquant, inconnu, révoqué ou expiré"}
    forged = await stack.http.get("/contracts", headers={"Authorization": "Bearer cpom_faux"})
    assert forged.status_code == 401
    # A supervisor reads everything and decides nothing.
    supervisor = stack.as_("superviseur")
    assert (await stack.http.get("/contracts", headers=supervisor)).json()["total"] == 2
    refused = await stack.http.post(
        "/contracts/CPOM-35-AUTRE/actions/validate_cadrage", json={}, headers=supervisor
    )
    assert refused.status_code == 403
    assert "superviseur ne permet pas" in refused.json()["detail"]
    created = await stack.http.post("/contracts", json={"terms": TERMS}, headers=supervisor)
    assert created.status_code == 403
    # A gestionnaire sees its own contracts only, and submits its documents.
    sad = stack.as_("sad")
    mine = (await stack.http.get("/contracts", headers=sad)).json()
    assert [c["reference"] for c in mine["items"]] == ["CPOM-35-SAD-2024"]
    hidden = await stack.http.get("/contracts/CPOM-35-AUTRE", headers=sad)
    assert hidden.status_code == 404
    submitted = await stack.http.post(
        "/contracts/CPOM-35-SAD-2024/actions/submit_documents",
        json={"exercise": 2025, "items": ["rapport_activite"]},
        headers=sad,
    )
    assert submitted.status_code == 200, submitted.text
    # The pieces still missing in words, not their codes (found by probing).
    message = submitted.json()["message"]
    assert message.startswith("documents reçus ; manquent encore : synthèse des fiches "), message
    assert "_" not in message
    not_allowed = await stack.http.post(
        "/contracts/CPOM-35-SAD-2024/actions/terminate",
        json={"reason": "manquement", "on": "2026-01-01"},
        headers=sad,
    )
    assert not_allowed.status_code == 403
    # Every decision is recorded with who made it.
    detail = (await stack.http.get("/contracts/CPOM-35-SAD-2024")).json()
    submissions = [e for e in detail["events"] if e["kind"] == "documents_submitted"]
    assert [e["actor"] for e in submissions] == ["Sophie Bernard (gestionnaire)"]


class Unreachable:
    """A Temporal client the readers must never call."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the contract's page called Temporal ({name})")


async def test_detail_is_read_from_the_projection_even_without_a_worker(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    await stack.http.post("/contracts", json={"terms": TERMS, "imported": True})
    await stack.projected("CPOM-35-SAD-2024")
    await stack.life.stop_worker()
    monkeypatch.setattr(stack.app.state.service, "client", Unreachable())
    statements: list[tuple[int, str]] = []

    def executed(connection: Connection, cursor: object, statement: str, *_: object) -> None:
        statements.append((id(connection.connection.dbapi_connection), statement))

    event.listen(stack.life.engine, "before_cursor_execute", executed)
    try:
        detail = (await stack.http.get("/contracts/CPOM-35-SAD-2024")).json()
    finally:
        event.remove(stack.life.engine, "before_cursor_execute", executed)
    assert [e["kind"] for e in detail["events"]] == ["imported"]
    assert detail["terms"]["reference"] == "CPOM-35-SAD-2024"
    assert any(a["kind"] == "echeance" for a in detail["agenda"])
    # The token, the contract with its terms and objectives, its agenda, its events: one
    # statement each, on one connection (a contract with objectives adds its reports).
    assert len(statements) == 4, statements
    assert len({connection for connection, _ in statements}) == 1


async def test_a_dialogue_sent_again_without_its_key_is_refused_not_recorded_twice(
    stack: Stack,
) -> None:
    """Found by probing: three identical requests made three dialogues of the same day."""
    created = await stack.http.post("/contracts", json={"terms": TERMS, "imported": True})
    assert created.status_code == 201, created.text
    await stack.projected(TERMS["reference"])
    url = f"/contracts/{TERMS['reference']}/actions/record_dialogue"
    today = local_date(await stack.life.env.get_current_time()).isoformat()
    dialogue = {"held_on": today, "participants": ["CD35", "SAD"], "decisions": ["B"]}
    assert (await stack.http.post(url, json=dialogue)).status_code == 200
    again = await stack.http.post(url, json=dialogue)
    assert again.status_code == 409
    assert again.json()["detail"].endswith("est déjà enregistré")
    blank = await stack.http.post(url, json={**dialogue, "participants": [""]})
    assert blank.status_code == 409  # the same day's, refused first
    events = (await stack.http.get(f"/contracts/{TERMS['reference']}")).json()["events"]
    assert [e["kind"] for e in events].count("dialogue_recorded") == 1


async def test_a_contract_ended_is_never_started_again(stack: Stack) -> None:
    """Found by probing: importing the same row again after a résiliation started the
    contract anew (Temporal's default reuse of a closed workflow's id)."""
    reference = TERMS["reference"]
    created = await stack.http.post("/contracts", json={"terms": TERMS, "imported": True})
    assert created.status_code == 201, created.text
    await stack.projected(reference)
    today = local_date(await stack.life.env.get_current_time()).isoformat()
    ended = await stack.http.post(
        f"/contracts/{reference}/actions/terminate",
        json={"reason": "liquidation_judiciaire", "on": today},
    )
    assert ended.status_code == 200, ended.text
    handle = stack.life.env.client.get_workflow_handle(f"cpom-{reference}")
    await handle.result()
    closed = (await handle.fetch_history()).events
    again = await stack.http.post("/contracts", json={"terms": TERMS, "imported": True})
    assert again.status_code == 200, again.text
    assert again.json()["created"] is False
    assert again.json()["phase"] == "resiliee"
    # Its latest run is still the one that ended: no new run began.
    assert (await handle.fetch_history()).events == closed
    detail = (await stack.http.get(f"/contracts/{reference}")).json()
    assert detail["contract"]["phase"] == "resiliee"


async def test_a_contract_listed_as_ended_and_forgotten_by_temporal_is_not_started(
    stack: Stack,
) -> None:
    """Past the namespace's retention Temporal forgets a closed run: the projection says the
    contract has ended, and that is enough."""
    terms = {**TERMS, "reference": "CPOM-OUBLIE"}
    day = local_date(await stack.life.env.get_current_time())
    parsed = terms_from_mapping(terms)
    state = ContractState(parsed, Phase.RESILIEE, imported=True)
    projection.record(
        stack.life.engine,
        ProjectionUpdate(parsed, state.phase, day, 0, [], agenda=[], agenda_complete=True),
    )
    again = await stack.http.post("/contracts", json={"terms": terms, "imported": True})
    assert again.status_code == 200, again.text
    assert again.json()["created"] is False
    with pytest.raises(RPCError):
        await stack.life.env.client.get_workflow_handle("cpom-CPOM-OUBLIE").describe()
