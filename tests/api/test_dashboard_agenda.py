"""A contract's agenda as a file from its dashboard page, for the person signed in: the page's
link answered 401 to everyone (found by probing), as the API's route takes a bearer token."""

import html
import re

from icalendar import Calendar

from tests.api.conftest import Stack
from tests.api.test_contracts_api import TERMS

URL = f"/tableau/contrats/{TERMS['reference']}/agenda.ics"


async def sign_in(stack: Stack, who: str) -> None:
    stack.http.cookies.clear()
    answer = await stack.http.post("/tableau/connexion", data={"token": stack.tokens[who]})
    assert answer.status_code == 303, answer.text


async def test_the_agenda_file_is_the_signed_in_readers_and_theirs_only(stack: Stack) -> None:
    created = await stack.http.post("/contracts", json={"terms": TERMS, "imported": True})
    assert created.status_code == 201, created.text
    stack.http.cookies.clear()
    assert (await stack.http.get(URL)).headers["location"] == "/tableau/connexion"
    for who in ("agent", "sad"):
        await sign_in(stack, who)
        answer = await stack.http.get(URL)
        assert answer.status_code == 200, answer.text
        assert answer.headers["content-type"] == "text/calendar; charset=utf-8"
        assert answer.headers["content-disposition"] == (
            'attachment; filename="CPOM-35-SAD-2024.ics"'
        )
        assert Calendar.from_ical(answer.content).walk("VEVENT")
    await sign_in(stack, "autre")  # another gestionnaire: the contract does not exist for them
    assert (await stack.http.get(URL)).status_code == 404


async def test_each_task_of_the_contract_page_reads_as_sentences(stack: Stack) -> None:
    """Found by probing: « … le silence vaut accord le 04/02/2027. sans réponse du … »."""
    created = await stack.http.post("/contracts", json={"terms": TERMS, "imported": True})
    assert created.status_code == 201, created.text
    await stack.projected(TERMS["reference"])
    await sign_in(stack, "agent")
    page = (await stack.http.get(f"/tableau/contrats/{TERMS['reference']}")).text
    tasks = re.findall(r"<li><a href=\"\?decision=.*?</li>", page)
    assert tasks
    for task in tasks:
        text = html.unescape(re.sub(r"<[^>]+>", "", task))
        assert not re.search(r"\.\s+[a-zà-ÿ]", text), text
