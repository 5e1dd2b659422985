"""The caller's identity (`/me`) and secret calendar feed addresses, over the real stack."""

import re
from html.parser import HTMLParser

import httpx
from icalendar import Calendar

from api.main import create_app
from cpom.access import list_tokens, paris_today, revoke_token
from cpom.domain.date_law import anniversary
from cpom.settings import Settings
from tests.api.conftest import Stack
from tests.api.test_contracts_api import TERMS

OTHER = {
    **TERMS,
    "reference": "CPOM-35-AUTRE",
    "gestionnaire": {"raison_sociale": "Autre SAD", "siren": "552100554"},
}


def references(ics: bytes) -> set[str]:
    """The contracts a calendar speaks of, from its events' summaries."""
    summaries = [str(e["SUMMARY"]) for e in Calendar.from_ical(ics).walk("VEVENT")]
    return {m.group(1) for s in summaries if (m := re.search(r"CPOM (\S+)$", s))}


async def test_me_tells_who_is_calling(stack: Stack) -> None:
    sad = (await stack.http.get("/me", headers=stack.as_("sad"))).json()
    assert sad == {
        "name": "Sophie Bernard",
        "email": "direction@sad-exemple.example",
        "role": "gestionnaire",
        "role_label": "gestionnaire",
        "siren": "732829320",
        "authority": None,
        "expires_on": anniversary(paris_today(), 1).isoformat(),
        "actor": "Sophie Bernard (gestionnaire)",
    }
    supervisor = (await stack.http.get("/me", headers=stack.as_("superviseur"))).json()
    assert (supervisor["role_label"], supervisor["siren"]) == ("superviseur", None)
    anonymous = await stack.http.get("/me", headers={"Authorization": ""})
    assert anonymous.status_code == 401


async def test_a_feed_address_works_without_a_header_until_replaced_or_revoked(
    stack: Stack,
) -> None:
    for terms in (TERMS, OTHER):
        created = await stack.http.post("/contracts", json={"terms": terms, "imported": True})
        assert created.status_code == 201, created.text
    anonymous = {"Authorization": ""}

    first = await stack.http.post("/me/calendar-feed")
    assert first.status_code == 201
    url = first.json()["url"]
    assert re.fullmatch(r"http://cpom/feeds/[\w-]{43}\.ics", url), url
    feed = await stack.http.get(url, headers=anonymous)
    assert feed.status_code == 200
    assert feed.headers["content-type"] == "text/calendar; charset=utf-8"
    assert references(feed.content) == {"CPOM-35-SAD-2024", "CPOM-35-AUTRE"}  # an agent's

    # A new address replaces the old one at once.
    second = (await stack.http.post("/me/calendar-feed")).json()["url"]
    assert second != url
    gone = await stack.http.get(url, headers=anonymous)
    assert gone.status_code == 404
    assert "adresse d'abonnement inconnue, révoquée ou remplacée" in gone.json()["detail"]
    assert (await stack.http.get(second, headers=anonymous)).status_code == 200

    # Revoked, it answers 404; revoking again changes nothing.
    assert (await stack.http.delete("/me/calendar-feed")).status_code == 204
    assert (await stack.http.get(second, headers=anonymous)).status_code == 404
    assert (await stack.http.delete("/me/calendar-feed")).status_code == 204
    assert (await stack.http.get("/feeds/inconnu.ics")).status_code == 404


async def test_a_gestionnaire_feed_holds_only_its_contracts_and_dies_with_its_token(
    stack: Stack,
) -> None:
    for terms in (TERMS, OTHER):
        await stack.http.post("/contracts", json={"terms": terms, "imported": True})
    url = (await stack.http.post("/me/calendar-feed", headers=stack.as_("sad"))).json()["url"]
    feed = await stack.http.get(url, headers={"Authorization": ""})
    assert references(feed.content) == {"CPOM-35-SAD-2024"}

    sad = next(t for t in list_tokens(stack.life.engine) if t.name == "Sophie Bernard")
    assert sad.id is not None
    revoke_token(stack.life.engine, sad.id)
    assert (await stack.http.get(url, headers={"Authorization": ""})).status_code == 404


class Assets(HTMLParser):
    """The scripts, stylesheets and icons a page loads."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "script" and found.get("src"):
            self.urls.append(found["src"] or "")
        if tag == "link" and found.get("href"):
            self.urls.append(found["href"] or "")


async def test_documentation_is_served_offline_and_home_leads_to_the_dashboard() -> None:
    app = create_app(Settings())
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://cpom"
    ) as http:
        for page in ("/docs", "/redoc"):
            html = (await http.get(page)).text
            assert not re.search(r"(src|href)=[\"']?(https?:)?//", html), html
            assets = Assets()
            assets.feed(html)
            assert len(assets.urls) >= (3 if page == "/docs" else 2), assets.urls
            for asset in assets.urls:
                served = await http.get(asset)
                assert served.status_code == 200, asset
                assert served.content, asset
        home = await http.get("/")
        assert home.status_code == 307
        assert home.headers["location"] == "/tableau/"
