"""The dashboard's pages, as people read them, follow the French typography of the letters (the
convention of `cpom.french_typography`): each page is checked as rendered, with a contract, its
agenda and its notices in it, so the words that come from Python are checked too."""

from cpom.french_typography import NBSP
from tests.api.conftest import Stack
from tests.api.test_attachments_api import create
from tests.api.test_contracts_api import TERMS
from tests.french_text import typography_faults, visible_text

PAGES = [
    "/tableau/",
    f"/tableau/contrats/{TERMS['reference']}",
    "/tableau/a-traiter",
    "/tableau/calendrier",
    "/tableau/import",
    "/tableau/courrier",
]


async def test_every_dashboard_page_follows_french_typography(stack: Stack) -> None:
    await create(stack)
    answers = {"/tableau/connexion": await stack.http.get("/tableau/connexion")}
    for who in ("agent", "sad"):
        for path in PAGES:
            answers[f"{path} ({who})"] = await stack.http.get(path, headers=stack.signed_in(who))
    # Importing is the agents'.
    del answers["/tableau/import (sad)"]
    texts = {}
    for name, answer in answers.items():
        assert answer.status_code == 200, name
        texts[name] = visible_text(answer.text)
    faults = {name: found for name, text in texts.items() if (found := typography_faults(text))}
    assert faults == {}
    # A form's field keeps what was typed, its attributes their CSS.
    contract = answers[f"/tableau/contrats/{TERMS['reference']} (agent)"].text
    assert f'style="{NBSP}' not in contract
    assert f"{NBSP}:" in texts["/tableau/calendrier (agent)"]
