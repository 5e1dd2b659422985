"""The dashboard in a real headless Chromium: sign in, filter, open a contract, download a PDF,
subscribe to one's calendar."""

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe
from icalendar import Calendar
from playwright.sync_api import Browser, sync_playwright

from tests.e2e.stack import AGENT, cpom, cpom_up, isolated_env

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert Path(CHROMIUM).exists(), "Chromium manque : « apt-get install chromium »"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield launched
        launched.close()


def test_supervisor_reads_the_portfolio_and_downloads_a_document(
    tmp_path: Path, browser: Browser
) -> None:
    env = isolated_env(tmp_path / "data", "cpom-dashboard")

    with cpom_up(env, tmp_path / "up.log") as api:
        agent = {"Authorization": f"Bearer {cpom(env, *AGENT)}"}
        supervisor = cpom(
            env,
            *("token", "create", "--role", "supervisor", "--name", "Paul Martin"),
            *("--email", "paul.martin@ars.example"),
        )
        cpom(env, "demo")
        # A dialogue de gestion approved by both parties yields its relevé de décisions.
        today = httpx.get(f"{api}/contracts/DEMO-44-ESMS", headers=agent).json()
        held_on = max(t["date"] for t in today["timeline"] if t["past"])
        for action, fields in (
            (
                "record_dialogue",
                {
                    "held_on": held_on,
                    "participants": ["ARS", "Association"],
                    "decisions": ["Maintien des objectifs"],
                },
            ),
            ("approve_releve", {"party": "autorite"}),
            ("approve_releve", {"party": "gestionnaire"}),
        ):
            answer = httpx.post(
                f"{api}/contracts/DEMO-44-ESMS/actions/{action}",
                json=fields,
                headers=agent,
                timeout=30,
            )
            assert answer.status_code == 200, answer.text

        page = browser.new_page(accept_downloads=True)
        page.goto(f"{api}/tableau/")
        assert page.url.endswith("/tableau/connexion")
        page.fill("#token", "faux")
        page.click("button[type=submit]")
        assert "jeton inconnu" in page.content()
        page.fill("#token", supervisor)
        page.click("button[type=submit]")
        page.wait_for_url(f"{api}/tableau/")
        assert page.locator("header .person").inner_text() == "Paul Martin (superviseur)"
        assert page.locator("tbody tr").count() == 3
        page.select_option("select[name=phase]", "execution")
        page.click("form.filters button")
        rows = page.locator("tbody tr")
        assert rows.count() == 1
        assert "DEMO-44-ESMS" in rows.first.inner_text()
        page.click("text=DEMO-44-ESMS")
        assert "Frise" in page.content()
        assert page.locator("text=Date limite de notification d'une prorogation").count() == 1
        page.screenshot(path=str(tmp_path / "contrat.png"), full_page=True)
        link = page.locator("a", has_text="Relevé de décisions")
        for _ in range(50):  # the worker generates it right after the approvals
            if link.count():
                break
            page.wait_for_timeout(200)
            page.reload()
        with page.expect_download() as download:
            link.first.click()
        saved = tmp_path / "releve.pdf"
        download.value.save_as(saved)
        assert saved.read_bytes().startswith(b"%PDF")
        page.close()


def test_a_gestionnaire_subscribes_to_its_calendar(tmp_path: Path, browser: Browser) -> None:
    env = isolated_env(tmp_path / "data", "cpom-calendar-page")
    with cpom_up(env, tmp_path / "up.log") as api:
        cpom(env, "demo")
        token = cpom(
            env,
            *("token", "create", "--role", "gestionnaire", "--gestionnaire", "732829320"),
            *("--name", "Sophie Bernard", "--email", "direction@sad-rennes.example"),
        )
        page = browser.new_page()
        page.goto(f"{api}/tableau/connexion")
        page.fill("#token", token)
        page.click("button[type=submit]")
        page.wait_for_url(f"{api}/tableau/")
        assert page.locator("header .person").inner_text() == "Sophie Bernard (gestionnaire)"
        page.click("header >> text=Mon calendrier")
        page.wait_for_url(f"{api}/tableau/calendrier")
        assert page.locator("h1").inner_text() == "Mon calendrier"
        assert "Aucune adresse d'abonnement n'est active" in page.content()
        assert page.locator("li", has_text="Thunderbird").count() == 1

        create = 'button:has-text("Créer une nouvelle adresse d\'abonnement")'
        page.click(create)
        first = page.input_value("#feed-url")
        assert page.locator("#feed-url").get_attribute("readonly") is not None
        feed = httpx.get(first)  # no header: the secret in the address is enough
        assert feed.status_code == 200
        summaries = [str(e["SUMMARY"]) for e in Calendar.from_ical(feed.content).walk("VEVENT")]
        assert summaries
        assert all(s.endswith("CPOM DEMO-35-SAD") for s in summaries)  # its contract only
        violations = Axe().run(page)
        assert violations.violations_count == 0, violations.generate_report()

        page.click(create)
        second = page.input_value("#feed-url")
        assert second != first
        assert "L'adresse précédente ne fonctionne plus" in page.content()
        page.screenshot(path=str(tmp_path / "calendrier.png"), full_page=True)
        assert httpx.get(first).status_code == 404
        assert httpx.get(second).status_code == 200

        # A form posted without the session's CSRF token changes nothing.
        forged = httpx.post(
            f"{api}/tableau/calendrier/revocation", cookies={"cpom_jeton": token}, data={}
        )
        assert forged.status_code == 403
        assert httpx.get(second).status_code == 200

        # Shown once: coming back, the page says an address is active but not which.
        page.goto(f"{api}/tableau/calendrier")
        assert page.locator("#feed-url").count() == 0
        assert "Une adresse d'abonnement est active depuis le" in page.content()
        page.click('button:has-text("Révoquer mon adresse d\'abonnement")')
        assert "Adresse d'abonnement révoquée" in page.locator("[role=status]").inner_text()
        assert httpx.get(second).status_code == 404
        page.close()
