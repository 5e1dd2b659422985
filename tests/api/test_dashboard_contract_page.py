"""A contract's dashboard page, as probing found it: its agenda link answered 401, a task's
consequence began a sentence in lowercase, a refusal of a form gone from the page was silent."""

import html
import re

from icalendar import Calendar

from api.csrf import csrf_token
from cpom.domain.clock import local_date
from tests.api.conftest import Stack
from tests.api.test_contracts_api import TERMS

PAGE = f"/tableau/contrats/{TERMS['reference']}"
URL = f"{PAGE}/agenda.ics"


async def test_the_agenda_file_is_the_signed_in_readers_and_theirs_only(stack: Stack) -> None:
    created = await stack.http.post("/contracts", json={"terms": TERMS, "imported": True})
    assert created.status_code == 201, created.text
    stack.http.cookies.clear()
    assert (await stack.http.get(URL)).headers["location"] == "/tableau/connexion"
    for who in ("agent", "sad"):
        answer = await stack.http.get(URL, headers=stack.signed_in(who))
        assert answer.status_code == 200, answer.text
        assert answer.headers["content-type"] == "text/calendar; charset=utf-8"
        assert answer.headers["content-disposition"] == (
            'attachment; filename="CPOM-35-SAD-2024.ics"'
        )
        assert Calendar.from_ical(answer.content).walk("VEVENT")
    # Another gestionnaire: the contract does not exist for them.
    assert (await stack.http.get(URL, headers=stack.signed_in("autre"))).status_code == 404


async def test_each_task_of_the_contract_page_reads_as_sentences(stack: Stack) -> None:
    """Found by probing: « … le silence vaut accord le 04/02/2027. sans réponse du … »."""
    await stack.imported(TERMS)
    page = (
        await stack.http.get(
            f"/tableau/contrats/{TERMS['reference']}", headers=stack.signed_in("agent")
        )
    ).text
    tasks = re.findall(r"<li><a href=\"\?decision=.*?</li>", page)
    assert tasks
    for task in tasks:
        text = html.unescape(re.sub(r"<[^>]+>", "", task))
        assert not re.search(r"\.\s+[a-zà-ÿ]", text), text


async def test_a_refusal_of_a_form_no_longer_offered_is_said_at_the_top(stack: Stack) -> None:
    """Found by probing: a gestionnaire answered a request the agent had answered meanwhile; the
    page came back 409 without a word, the answer's form being gone."""
    await stack.imported(TERMS)
    today = local_date(await stack.life.env.get_current_time()).isoformat()
    url = f"/contracts/{TERMS['reference']}/actions"
    requested = await stack.http.post(
        f"{url}/request_prorogation", json={"requested_by": "autorite", "received_on": today}
    )
    assert requested.status_code == 200, requested.text
    answered = await stack.http.post(
        f"{url}/answer_prorogation",
        json={"accept": True, "received_on": today, "answered_by": "gestionnaire"},
    )
    assert answered.status_code == 200, answered.text
    stale = await stack.http.post(
        f"/tableau/contrats/{TERMS['reference']}/decisions/answer_prorogation",
        data={"csrf": csrf_token(stack.session("sad")), "accept": "true", "received_on": today},
        headers=stack.signed_in("sad"),
    )
    assert stale.status_code == 409
    alert = re.search(r'<div class="alert" role="alert">(.*?)</div>', stale.text)
    assert alert is not None, stale.text
    said = html.unescape(re.sub(r"<[^>]+>", "", alert[1]))
    assert said == (
        "Décision refusée, rien n'a changé. Répondre à la demande de prorogation\u00a0: aucune "
        "demande de prorogation en attente de réponse"
    )


async def test_the_header_gives_an_early_end_beside_the_echeance(stack: Stack) -> None:
    """Found by probing: denounced or terminated, a contract's page still said only « échéance
    le 31/12/2028 »."""
    await stack.imported(TERMS)
    today = local_date(await stack.life.env.get_current_time())
    ended = await stack.http.post(
        f"/contracts/{TERMS['reference']}/actions/terminate",
        json={"reason": "manquement", "on": today.isoformat()},
    )
    assert ended.status_code == 200, ended.text
    detail = await stack.projected(TERMS["reference"], "contract_ended")
    [end] = [a for a in detail["agenda"] if a["kind"] == "early_end"]
    page = html.unescape(
        (
            await stack.http.get(
                f"/tableau/contrats/{TERMS['reference']}", headers=stack.signed_in("agent")
            )
        ).text
    )
    day = "/".join(reversed(end["date"].split("-")))
    assert f"échéance le 31/12/2028\u00a0; <strong>fin anticipée le {day}</strong>." in page
