"""The dashboard in a real headless Chromium: sign in, filter, open a contract, download a PDF."""

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, sync_playwright

from tests.e2e.stack import cpom, cpom_up, isolated_env

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
        agent = {"Authorization": f"Bearer {cpom(env, 'token', 'create', '--role', 'agent')}"}
        supervisor = cpom(env, "token", "create", "--role", "supervisor", "--name", "direction")
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
