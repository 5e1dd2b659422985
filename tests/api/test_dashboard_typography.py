"""The dashboard's pages, as people read them, follow the French typography of the letters (the
convention of `cpom.french_typography`): each page is checked as rendered, with a contract, its
agenda and its notices in it, so the words that come from Python are checked too."""

from datetime import UTC, datetime

from sqlmodel import Session

from cpom.db.models import CaughtMailRecord
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


async def test_the_local_mail_is_dated_in_paris_time(stack: Stack) -> None:
    """Found by probing: « Courrier local » showed 10:51 for a mail the notices said was sent at
    11 h 51."""
    with Session(stack.life.engine) as session:
        session.add(
            CaughtMailRecord(
                received_at=datetime(2026, 12, 5, 10, 51, tzinfo=UTC),
                envelope_to="a@b.example",
                subject="Objet",
                text="Texte",
            )
        )
        session.commit()
    page = await stack.http.get("/tableau/courrier", headers=stack.signed_in("agent"))
    assert "05/12/2026 à 11 h 51" in visible_text(page.text)
