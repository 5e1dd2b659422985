"""What people read through the API is where each contract stands: the live agenda in the
detail, the lists, their filters, the inbox, the exports and the calendar feeds.

Contracts are dated from the stack's own today, so that these tests hold on any day they run.
"""

import csv
import io
from datetime import date, timedelta
from typing import Any

from icalendar import Calendar
from openpyxl import load_workbook

from cpom.domain.clock import local_date
from cpom.domain.date_law import add_months
from tests.api.conftest import Stack


def sad(reference: str, effet: date, siren: str = "732829320", **extra: Any) -> dict[str, Any]:
    return {
        "reference": reference,
        "preset": "sad",
        "effet": effet.isoformat(),
        "duration_years": 5,
        "authority": {
            "kind": "departement",
            "name": "Département d'Ille-et-Vilaine",
            "territory": "35",
            "email": "cpom@ille-et-vilaine.example",
        },
        "gestionnaire": {
            "raison_sociale": f"SAD {reference}",
            "siren": siren,
            "email": "direction@sad.example",
            **extra,
        },
    }


async def today_of(stack: Stack) -> date:
    return local_date(await stack.life.env.get_current_time())


async def create(stack: Stack, terms: dict[str, Any], declared: date | None = None) -> None:
    body: dict[str, Any] = {"terms": terms, "imported": True}
    if declared:
        body["declared_up_to_date_on"] = declared.isoformat()
    response = await stack.http.post("/contracts", json=body)
    assert response.status_code == 201, response.text
    await stack.projected(terms["reference"])


async def test_a_pending_prorogation_shows_its_reply_deadline_everywhere(stack: Stack) -> None:
    today = await today_of(stack)
    effet = date(today.year - 2, 1, 1)  # notice possible until mid-way through year + 2
    await create(stack, sad("CPOM-EN-COURS", effet), declared=today)
    answer = await stack.http.post(
        "/contracts/CPOM-EN-COURS/actions/request_prorogation",
        json={"requested_by": "gestionnaire", "received_on": today.isoformat()},
    )
    assert answer.status_code == 200, answer.text

    # Read at once: the answer waited for the projection.
    detail = (await stack.http.get("/contracts/CPOM-EN-COURS")).json()
    agenda = {a["kind"]: a for a in detail["agenda"]}
    reply = agenda["prorogation_reply_deadline"]
    deadline = date.fromisoformat(reply["date"])
    assert (reply["status"], reply["waiting_for"], reply["action"]) == (
        "pending",
        "autorite",
        "answer_prorogation",
    )
    assert reply["on_silence"] == "accept"
    assert reply["silence_on"] == (deadline + timedelta(days=1)).isoformat()
    assert agenda["tacit_acceptance"]["date"] == reply["silence_on"]
    assert "le silence vaut accord" in reply["consequence"]
    assert agenda["prorogation_notice_received"]["done_by"] == "Marie Dupont (agent)"

    # In lists: the next deadline is the earliest open legal deadline, never a past event.
    open_deadlines = sorted(
        a["date"]
        for a in detail["agenda"]
        if a["nature"] == "délai légal" and a["status"] in ("pending", "upcoming")
    )
    listed = (await stack.http.get("/contracts")).json()["items"][0]
    assert listed["next_deadline"] == open_deadlines[0]
    assert listed["next_deadline"] >= today.isoformat()
    assert deadline.isoformat() in open_deadlines
    before = {"deadline_before": deadline.isoformat()}
    assert (await stack.http.get("/contracts", params=before)).json()["total"] == 1
    earlier = {"deadline_before": (today - timedelta(days=1)).isoformat()}
    assert (await stack.http.get("/contracts", params=earlier)).json()["total"] == 0

    # The inbox of the authority, and the calendar feeds.
    tasks = (await stack.http.get("/tasks")).json()["items"]
    [task] = [t for t in tasks if t["action"] == "answer_prorogation"]
    assert (task["deadline"], task["silence_on"]) == (reply["date"], reply["silence_on"])
    assert task["title"] == "Répondre à la demande de prorogation"
    for feed in ("/contracts/CPOM-EN-COURS/calendar.ics", "/calendar.ics"):
        events = Calendar.from_ical((await stack.http.get(feed)).content).walk("VEVENT")
        [event] = [e for e in events if "Dernier jour pour répondre" in str(e["SUMMARY"])]
        assert event.decoded("DTSTART") == deadline
        assert f"accord à compter du {deadline + timedelta(days=1):%d/%m/%Y}" in str(
            event["DESCRIPTION"]
        )


async def test_late_and_at_risk_contracts_are_flagged_with_a_french_reason(stack: Stack) -> None:
    today = await today_of(stack)
    # Ends in about three months, imported after the day its renegotiation should have opened.
    ending = add_months(date(today.year, today.month, 1), -57)
    await create(stack, sad("CPOM-FIN-PROCHE", ending))
    await create(stack, sad("CPOM-A-JOUR", date(today.year - 1, 1, 1), "552100554"), today)

    late = (await stack.http.get("/contracts", params={"overdue": "true"})).json()
    assert [c["reference"] for c in late["items"]] == ["CPOM-FIN-PROCHE"]
    assert late["items"][0]["overdue_since"] < today.isoformat()
    risky = (await stack.http.get("/contracts", params={"at_risk": "true"})).json()
    [contract] = risky["items"]
    assert contract["reference"] == "CPOM-FIN-PROCHE"
    assert "sans prorogation ni nouveau CPOM engagé" in contract["risk"]
    fine = (await stack.http.get("/contracts/CPOM-A-JOUR")).json()["contract"]
    assert (fine["risk"], fine["overdue_since"]) == (None, None)
    # The import said what it could not know instead of recording it as done.
    detail = (await stack.http.get("/contracts/CPOM-FIN-PROCHE")).json()
    [imported] = [e for e in detail["events"] if e["kind"] == "imported"]
    assert "non renseignées, à régulariser" in imported["summary"]
    missed = [a for a in detail["agenda"] if a["status"] == "missed" and a["obligation"]]
    assert {a["kind"] for a in missed} >= {"annual_documents_due", "dialogue_de_gestion"}


async def test_each_person_sees_what_waits_for_them(stack: Stack) -> None:
    today = await today_of(stack)
    await create(stack, sad("CPOM-SAD", date(today.year - 2, 1, 1)))
    await create(stack, sad("CPOM-AUTRE", date(today.year - 2, 1, 1), "552100554"))

    async def actions(who: str) -> set[tuple[str, str]]:
        page = (await stack.http.get("/tasks", headers=stack.as_(who))).json()
        assert page["total"] == len(page["items"])
        deadlines = [t["deadline"] for t in page["items"]]
        assert deadlines == sorted(deadlines)
        return {(t["reference"], t["action"]) for t in page["items"]}

    agent = await actions("agent")
    assert ("CPOM-SAD", "record_dialogue") in agent
    assert all(action != "submit_documents" for _, action in agent)
    mine = await actions("sad")
    assert ("CPOM-SAD", "submit_documents") in mine
    assert {reference for reference, _ in mine} == {"CPOM-SAD"}
    assert await actions("superviseur") == agent | mine | await actions("autre")


async def test_search_sort_pages_and_exports(stack: Stack) -> None:
    today = await today_of(stack)
    effet = date(today.year - 1, 1, 1)
    await create(stack, sad("CPOM-A", effet, finess="350000147"), today)
    await create(stack, sad("CPOM-B", effet, "552100554"), today)
    await create(stack, sad("CPOM-C", effet), today)

    async def references(**params: Any) -> list[str]:
        page = (await stack.http.get("/contracts", params=params)).json()
        return [c["reference"] for c in page["items"]]

    assert await references(q="552100554") == ["CPOM-B"]
    assert await references(q="350000147") == ["CPOM-A"]  # FINESS
    assert await references(q="cpom-c") == ["CPOM-C"]
    assert await references(sort="reference", desc="true") == ["CPOM-C", "CPOM-B", "CPOM-A"]
    second = (await stack.http.get("/contracts", params={"per_page": 2, "page": 2})).json()
    assert (second["total"], second["pages"], len(second["items"])) == (3, 2, 1)
    bad = await stack.http.get("/contracts", params={"sort": "hasard"})
    assert bad.status_code == 422

    exported = await stack.http.get("/contracts.csv", params={"q": "CPOM-A"})
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["Référence", "Secteur", "Phase"]
    assert [r[0] for r in rows[1:]] == ["CPOM-A"]
    assert rows[1][6] == "350000147"
    workbook = await stack.http.get("/contracts.xlsx")
    sheet = load_workbook(io.BytesIO(workbook.content)).active
    assert sheet is not None
    cells = list(sheet.iter_rows(values_only=True))
    assert len(cells) == 4
    listed = (await stack.http.get("/contracts")).json()["items"]
    assert [(r[0], r[9].date().isoformat()) for r in cells[1:]] == [  # type: ignore[union-attr]
        (c["reference"], c["next_deadline"]) for c in listed
    ]
    # A gestionnaire exports only its own contracts.
    own = await stack.http.get("/contracts.csv", headers=stack.as_("autre"))
    assert [r.split(";")[0] for r in own.content.decode("utf-8-sig").splitlines()[1:]] == ["CPOM-B"]


async def test_a_declared_day_out_of_the_contract_is_refused_in_french(stack: Stack) -> None:
    today = await today_of(stack)
    terms = sad("CPOM-FUTUR", date(today.year - 1, 1, 1))
    response = await stack.http.post(
        "/contracts",
        json={
            "terms": terms,
            "imported": True,
            "declared_up_to_date_on": (today + timedelta(days=3)).isoformat(),
        },
    )
    assert response.status_code == 422
    assert "doit être entre la date d'effet" in response.json()["detail"][0]
    assert (await stack.http.get("/contracts")).json()["total"] == 0


async def test_names_are_exported_as_text_never_as_formulas(stack: Stack) -> None:
    """Found by probing: a name beginning with « = » was a live formula in the workbook and in
    the CSV; a control code in a name made the workbook a server error."""
    today = await today_of(stack)
    names = {
        "CPOM-F1": '=HYPERLINK("http://evil.example","Cliquer")',
        "CPOM-F2": "@SUM(1+1)*cmd|' /C calc'!A0",
        "CPOM-F3": "SAD\x0bVertical\x01Tab",
    }
    for reference, name in names.items():
        terms = sad(reference, date(today.year - 1, 1, 1))
        terms["gestionnaire"]["raison_sociale"] = name
        created = await stack.http.post("/contracts", json={"terms": terms, "imported": True})
        assert created.status_code == 201, created.text
        await stack.projected(reference)
    exported = await stack.http.get("/contracts.csv", params={"sort": "reference"})
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig")), delimiter=";"))
    column = rows[0].index("Gestionnaire")
    assert [r[column] for r in rows[1:]] == [
        "'" + names["CPOM-F1"],
        "'" + names["CPOM-F2"],
        "SADVerticalTab",
    ]
    workbook = await stack.http.get("/contracts.xlsx", params={"sort": "reference"})
    assert workbook.status_code == 200, workbook.text
    sheet = load_workbook(io.BytesIO(workbook.content)).active
    assert sheet is not None
    cells = [row[column] for row in sheet.iter_rows(min_row=2)]
    assert [c.value for c in cells] == [names["CPOM-F1"], names["CPOM-F2"], "SADVerticalTab"]
    assert {c.data_type for c in cells} == {"s"}
