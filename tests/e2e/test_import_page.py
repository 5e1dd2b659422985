"""The dashboard's import page in a real headless Chromium over `cpom up`: the template
downloaded, a bad file reported, a good one imported while the progress page refreshes itself."""

import re
from importlib.resources import files
from pathlib import Path

from openpyxl import load_workbook
from playwright.sync_api import Browser, Page

from tests.e2e.stack import AGENT, cpom, cpom_up, isolated_env
from tests.e2e.test_dashboard import browser
from tests.imports import as_csv, as_xlsx, contract_row

__all__ = ["browser"]  # the module's Chromium fixture
AXE = (files("axe_playwright_python") / "axe.min.js").read_text()


def violations(page: Page) -> list[str]:
    """The accessibility rules axe-core finds broken on the page."""
    # Evaluated by the browser's devtools, not as a script tag: the page's Content-Security-Policy
    # rightly refuses an inline script.
    page.evaluate(AXE)
    found: list[str] = page.evaluate("axe.run().then(r => r.violations.map(v => v.id))")
    return found


def test_an_agent_imports_a_spreadsheet_and_follows_its_progress(
    tmp_path: Path, browser: Browser
) -> None:
    env = isolated_env(tmp_path / "data", "cpom-import")
    with cpom_up(env, tmp_path / "up.log") as api:
        agent = cpom(env, *AGENT)
        page = browser.new_page(accept_downloads=True)
        page.goto(f"{api}/tableau/connexion")
        page.fill("#token", agent)
        page.click("button[type=submit]")
        page.wait_for_url(f"{api}/tableau/")
        page.click("header >> text=Importer")
        page.wait_for_url(f"{api}/tableau/import")
        assert violations(page) == []

        with page.expect_download() as download:
            page.click("text=classeur XLSX")
        template = tmp_path / "modele.xlsx"
        download.value.save_as(template)
        assert load_workbook(template).sheetnames == [
            "Contrats",
            "Établissements",
            "Autorités cosignataires",
            "Aide",
        ]

        bad = tmp_path / "erreurs.csv"
        bad.write_bytes(as_csv([contract_row(0), contract_row(1, {"SIREN": "123"})]))
        page.set_input_files("#fichier", str(bad))
        page.click("button[type=submit]")
        report = page.locator("table[aria-labelledby=rapport] tbody tr")
        assert report.count() == 1
        assert report.first.inner_text().split("\t") == [
            "3",
            "SIREN",
            "«\u00a0123\u00a0» n'est pas un numéro valide (9 chiffres, clé de Luhn)",
        ]
        assert violations(page) == []

        good = tmp_path / "contrats.xlsx"
        good.write_bytes(as_xlsx([contract_row(index) for index in range(30)]))
        page.set_input_files("#fichier", str(good))
        page.click("button[type=submit]")
        page.wait_for_url(re.compile(r".*/tableau/import/[0-9a-f]{32}$"))
        # Thirty contracts take longer than the redirect: the page first shows the progress.
        assert page.inner_text("#etat") == "en cours"
        assert page.locator("meta[http-equiv=refresh]").count() == 1
        assert page.locator("progress#avancement").get_attribute("max") == "30"
        # Without JavaScript, the page refreshes itself until the import is done.
        page.wait_for_selector("#resultat", timeout=60_000)
        assert page.inner_text("#etat") == "terminé"
        assert page.inner_text("#resultat").splitlines() == [
            "Contrats créés\u00a0: 30",
            "Déjà présents\u00a0: 0",
        ]
        assert page.locator("progress#avancement").get_attribute("value") == "30"
        assert violations(page) == []
        page.click("text=Voir le portefeuille")
        page.wait_for_url(f"{api}/tableau/")
        assert page.locator("tbody tr").count() == 30
        page.close()
