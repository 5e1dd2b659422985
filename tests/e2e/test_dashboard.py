"""The dashboard in a real headless Chromium: sign in, filter, open a contract, download a PDF,
subscribe to one's calendar."""

from collections.abc import Iterator
from datetime import UTC, date, datetime, time
from pathlib import Path

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe
from icalendar import Calendar
from openpyxl import load_workbook
from playwright.sync_api import Browser, Page, sync_playwright

from tests import sample_files
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


def accessible(page: Page) -> None:
    """axe-core finds no serious or critical violation on the page as it stands."""
    results = Axe().run(page)
    serious = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert not serious, results.generate_report()


def sign_in(page: Page, api: str, token: str) -> None:
    page.goto(f"{api}/tableau/connexion")
    page.fill("#token", token)
    page.click("button[type=submit]")
    page.wait_for_url(f"{api}/tableau/")


def session_cookie(page: Page) -> dict[str, object]:
    [cookie] = [c for c in page.context.cookies() if c["name"] == "cpom_jeton"]
    return dict(cookie)


def refused_by_policy(page: Page) -> list[str]:
    """The Content-Security-Policy violations the page's console reports, as they come."""
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return violations


def reply_deadline(api: str, headers: dict[str, str]) -> dict[str, str]:
    detail = httpx.get(f"{api}/contracts/DEMO-44-ESMS", headers=headers).json()
    return next(a for a in detail["agenda"] if a["kind"] == "prorogation_reply_deadline")


def test_supervisor_reads_where_each_contract_stands(tmp_path: Path, browser: Browser) -> None:
    env = isolated_env(tmp_path / "data", "cpom-dashboard")

    with cpom_up(env, tmp_path / "up.log") as api:
        agent = {"Authorization": f"Bearer {cpom(env, *AGENT)}"}
        supervisor = cpom(
            env,
            *("token", "create", "--role", "supervisor", "--name", "Paul Martin"),
            *("--email", "paul.martin@ars.example"),
        )
        cpom(env, "demo")
        reply = reply_deadline(api, agent)
        deadline = date.fromisoformat(reply["date"])
        silence = date.fromisoformat(reply["silence_on"])

        page = browser.new_page(accept_downloads=True)
        violations = refused_by_policy(page)
        page.goto(f"{api}/")
        assert page.url.endswith("/tableau/connexion")
        page.fill("#token", "faux")
        page.click("button[type=submit]")
        assert "jeton inconnu" in page.content()
        page.fill("#token", supervisor)
        page.click("button[type=submit]")
        page.wait_for_url(f"{api}/tableau/")
        assert page.locator("header .person").inner_text() == "Paul Martin (superviseur)"
        # The cookie holds a session of its own, out of scripts' and other sites' reach.
        cookie = session_cookie(page)
        assert cookie["value"] != supervisor
        assert cookie["httpOnly"] is True
        assert cookie["sameSite"] == "Strict"
        assert cookie["secure"] is False  # served over plain HTTP here
        # The stylesheet applies under the Content-Security-Policy.
        header = page.eval_on_selector("header", "e => getComputedStyle(e).backgroundColor")
        assert header == "rgb(0, 0, 145)"
        rows = page.locator("table tbody tr")
        assert rows.count() == 3
        # The pending prorogation's reply deadline is the ARS contract's next legal deadline.
        esms = rows.filter(has_text="DEMO-44-ESMS")
        assert f"{deadline:%d/%m/%Y} — Dernier jour pour répondre à la prorogation" in (
            esms.inner_text()
        )
        # The SAD contract ends in weeks with neither prorogation nor successor.
        assert "À risque" in rows.filter(has_text="DEMO-35-SAD").inner_text()
        assert page.locator("figure svg").count() == 3
        accessible(page)
        page.screenshot(path=str(tmp_path / "portefeuille.png"), full_page=True)

        page.check("input[name=at_risk]")
        page.click("form.filters button")
        assert "at_risk=true" in page.url  # filters are kept in the address
        assert [r.split()[0] for r in rows.all_inner_texts()] == ["DEMO-35-SAD"]
        page.goto(f"{api}/tableau/?q=552100554")  # search by SIREN
        assert [r.split()[0] for r in rows.all_inner_texts()] == ["DEMO-44-ESMS"]
        with page.expect_download() as download:
            page.click("text=Excel")
        exported_file = tmp_path / "export.xlsx"
        download.value.save_as(exported_file)
        assert download.value.suggested_filename.endswith(".xlsx")
        sheet = load_workbook(exported_file).active
        assert sheet is not None
        exported = list(sheet.iter_rows(values_only=True))
        assert exported[0][0] == "Référence"
        assert exported[1][0] == "DEMO-44-ESMS"
        assert exported[1][9] == datetime.combine(deadline, time())  # a real date, the live one

        # The ICS feed of the contract holds the reply deadline too.
        feed = httpx.get(f"{api}/contracts/DEMO-44-ESMS/calendar.ics", headers=agent)
        [event] = [
            e
            for e in Calendar.from_ical(feed.content).walk("VEVENT")
            if "Dernier jour pour répondre" in str(e["SUMMARY"])
        ]
        assert event.decoded("DTSTART") == deadline
        assert f"accord à compter du {silence:%d/%m/%Y}" in str(event["DESCRIPTION"])

        page.click("text=DEMO-44-ESMS")
        row = page.locator("#agenda + table tr", has_text="Dernier jour pour répondre")
        assert f"le silence vaut accord le {silence:%d/%m/%Y}" in row.inner_text()
        assert "en attente de l'autorité" in row.inner_text()
        assert page.locator("form[action*=decisions]").count() == 0  # a supervisor reads
        # The page's agenda link, followed signed in (found by probing: it answered 401).
        with page.expect_download() as download:
            page.click("text=Agenda (iCalendar)")
        assert download.value.suggested_filename == "DEMO-44-ESMS.ics"
        saved = tmp_path / "agenda.ics"
        download.value.save_as(saved)
        assert any(
            e.decoded("DTSTART") == deadline
            for e in Calendar.from_ical(saved.read_bytes()).walk("VEVENT")
            if "Dernier jour pour répondre" in str(e["SUMMARY"])
        )
        accessible(page)
        page.screenshot(path=str(tmp_path / "contrat.png"), full_page=True)

        page.click("header >> text=À traiter")
        assert page.locator("tbody tr", has_text="Répondre à la demande de prorogation").count()
        accessible(page)
        assert violations == []

        # The API documentation draws under its own policy: its start-up script by its hash.
        for documentation in ("docs", "redoc"):
            page.goto(f"{api}/{documentation}")
            page.wait_for_selector("text=Lister les contrats", state="attached")
        # Only ReDoc's « by Redocly » logo, an image from the Internet, stays out.
        assert [v for v in violations if "https://cdn.redoc.ly/" not in v] == []

        # Signing out ends the session: its cookie no longer opens any page.
        page.goto(f"{api}/tableau/")
        page.click("text=Se déconnecter")
        page.wait_for_url(f"{api}/tableau/connexion")
        replayed = httpx.get(f"{api}/tableau/", cookies={"cpom_jeton": str(cookie["value"])})
        assert replayed.status_code == 303
        assert replayed.headers["location"] == "/tableau/connexion"
        page.close()


def test_an_agent_decides_from_the_inbox(tmp_path: Path, browser: Browser) -> None:
    env = isolated_env(tmp_path / "data", "cpom-workbench")
    with cpom_up(env, tmp_path / "up.log") as api:
        token = cpom(env, *AGENT)
        agent = {"Authorization": f"Bearer {token}"}
        cpom(env, "demo")
        silence = date.fromisoformat(reply_deadline(api, agent)["silence_on"])
        page = browser.new_page(accept_downloads=True)
        violations = refused_by_policy(page)
        sign_in(page, api, token)
        tasks = httpx.get(f"{api}/tasks", headers=agent).json()
        assert page.locator("header .count").inner_text() == str(tasks["total"])

        page.click("header >> text=À traiter")
        task = page.locator("tbody tr", has_text="Répondre à la demande de prorogation")
        assert f"Le silence vaut accord le {silence:%d/%m/%Y}." in task.inner_text()
        accessible(page)
        page.screenshot(path=str(tmp_path / "a-traiter.png"), full_page=True)
        task.locator("a", has_text="Répondre").click()
        form = page.locator("#decision-answer_prorogation")
        assert form.get_attribute("open") is not None

        # A refusal of the workflow is shown beside its form, and nothing changes.
        dialogue = page.locator("#decision-record_dialogue")
        dialogue.locator("summary").click()
        next_year = datetime.now(UTC).year + 1
        dialogue.locator("input[name=held_on]").fill(f"{next_year}-01-15")
        dialogue.locator("textarea[name=participants]").fill("ARS\nAssociation")
        dialogue.locator("textarea[name=decisions]").fill("Maintien des objectifs")
        dialogue.locator("button").click()
        alert = page.locator("#decision-record_dialogue [role=alert]")
        assert "doit être passée" in alert.inner_text()
        assert "rien n'a été changé" in alert.inner_text()
        assert page.locator("#decision-record_dialogue textarea[name=decisions]").input_value() == (
            "Maintien des objectifs"
        )
        accessible(page)
        events = httpx.get(f"{api}/contracts/DEMO-44-ESMS", headers=agent).json()["events"]
        assert not [e for e in events if e["kind"] == "dialogue_recorded"]

        # The prorogation is accepted through its form.
        form = page.locator("#decision-answer_prorogation")
        form.locator("summary").click()
        form.locator("text=Accepter la prorogation").click()
        form.locator("button").click()
        page.wait_for_url(f"{api}/tableau/contrats/DEMO-44-ESMS#agenda")
        assert "prorogation acceptée" in page.locator("[role=status]").inner_text()
        accepted = page.locator("#agenda + table tr", has_text="Prorogation acceptée")
        assert "par Marie Dupont (agent)\u00a0: accord exprès" in accepted.inner_text()
        assert page.locator("text=Signature de l'avenant de prorogation").count()
        page.screenshot(path=str(tmp_path / "decision.png"), full_page=True)

        # The avenant is signed with its scan attached; an upload of its own follows.
        avenant = page.locator("#decision-sign_avenant")
        avenant.locator("summary").click()
        avenant.locator("input[name=summary]").fill("Avenant n° 1 : prorogation d'un an")
        scan = tmp_path / "avenant-signé.pdf"
        scan.write_bytes(sample_files.pdf("Avenant signé"))
        avenant.locator("input[type=file]").set_input_files(str(scan))
        avenant.locator("button").click()
        page.wait_for_url(f"{api}/tableau/contrats/DEMO-44-ESMS#agenda")
        assert (
            "Pièce jointe\u00a0: avenant-signé.pdf." in page.locator("[role=status]").inner_text()
        )
        signed = page.locator("#agenda + table tr", has_text="Signature de l'avenant")
        assert "par Marie Dupont (agent)" in signed.inner_text()
        proof = tmp_path / "accuse.png"
        proof.write_bytes(sample_files.image("PNG"))
        page.set_input_files("#piece-fichier", str(proof))
        page.select_option("#piece-nature", "avis_de_reception")
        page.click("#pieces button")
        page.wait_for_url(f"{api}/tableau/contrats/DEMO-44-ESMS?piece=deposee#pieces")
        files = page.locator("#pieces tbody tr")
        assert files.count() == 2
        assert "avenant-signé.pdf" in files.all_inner_texts()[1] + files.all_inner_texts()[0]
        accessible(page)

        # A dialogue de gestion approved by both parties yields its relevé de décisions.
        dialogue = page.locator("#decision-record_dialogue")
        dialogue.locator("summary").click()
        dialogue.locator("textarea[name=participants]").fill("ARS\nAssociation")
        dialogue.locator("textarea[name=decisions]").fill("Maintien des objectifs")
        dialogue.locator("button").click()
        page.wait_for_url(f"{api}/tableau/contrats/DEMO-44-ESMS#agenda")
        approval = page.locator("#decision-approve_releve")
        approval.locator("summary").click()
        approval.locator("button").click()
        page.wait_for_url(f"{api}/tableau/contrats/DEMO-44-ESMS#agenda")
        gestionnaire = cpom(
            env,
            *("token", "create", "--role", "gestionnaire", "--gestionnaire", "552100554"),
            *("--name", "Luc Petit", "--email", "siege@ahla.example"),
        )
        approved = httpx.post(
            f"{api}/contracts/DEMO-44-ESMS/actions/approve_releve",
            json={},
            headers={"Authorization": f"Bearer {gestionnaire}"},
            timeout=30,
        )
        assert approved.status_code == 200, approved.text
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
        assert violations == []
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
        sign_in(page, api, token)
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
        accessible(page)

        page.click(create)
        second = page.input_value("#feed-url")
        assert second != first
        assert "L'adresse précédente ne fonctionne plus" in page.content()
        page.screenshot(path=str(tmp_path / "calendrier.png"), full_page=True)
        assert httpx.get(first).status_code == 404
        assert httpx.get(second).status_code == 200

        # A form posted without the session's CSRF token changes nothing.
        forged = httpx.post(
            f"{api}/tableau/calendrier/revocation",
            cookies={"cpom_jeton": str(session_cookie(page)["value"])},
            data={},
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

        # « cpom token revoke » ends the person's dashboard session at once.
        [held] = [r for r in cpom(env, "token", "list").splitlines() if "Sophie Bernard" in r]
        assert "révoqué" in cpom(env, "token", "revoke", held.split()[0])
        page.goto(f"{api}/tableau/calendrier")
        assert page.url == f"{api}/tableau/connexion"
        page.close()


def test_a_mutual_denonciation_is_proposed_then_accepted_by_the_other_party(
    tmp_path: Path, browser: Browser
) -> None:
    env = isolated_env(tmp_path / "data", "cpom-denonciation")
    with cpom_up(env, tmp_path / "up.log") as api:
        agent_token = cpom(env, *AGENT)
        cpom(env, "demo")
        contract = f"{api}/tableau/contrats/DEMO-35-SAD"
        page = browser.new_page()
        sign_in(page, api, agent_token)
        page.goto(contract)
        proposal = page.locator("#decision-denounce")
        proposal.locator("summary").click()
        assert proposal.locator("select[name=mode]").input_value() == "mutuelle"
        assert proposal.locator("select[name=notified_by]").input_value() == "autorite"
        proposal.locator("input[name=confirm]").check()
        proposal.locator("button").click()
        page.wait_for_url(f"{contract}#agenda")
        assert "elle attend l'accord du gestionnaire" in page.locator("[role=status]").inner_text()
        row = page.locator("#agenda + table tr", has_text="Réponse à la proposition")
        assert "en attente du gestionnaire" in row.inner_text()
        assert "le silence vaut rejet" in row.inner_text()
        assert "Fin anticipée" not in page.content()
        accessible(page)
        page.close()

        gestionnaire = cpom(
            env,
            *("token", "create", "--role", "gestionnaire", "--gestionnaire", "732829320"),
            *("--name", "Sophie Bernard", "--email", "direction@sad-rennes.example"),
        )
        page = browser.new_page()
        sign_in(page, api, gestionnaire)
        page.click("header >> text=À traiter")
        task = page.locator(
            "tbody tr", has_text="Répondre à la proposition de dénonciation d'un commun accord"
        )
        assert "sans réponse du gestionnaire, pas de dénonciation\u00a0: le contrat continue" in (
            task.inner_text()
        )
        assert "attendu du gestionnaire" in task.inner_text()
        accessible(page)
        task.locator("a", has_text="Répondre").click()
        answer = page.locator("#decision-answer_denonciation")
        assert answer.get_attribute("open") is not None
        assert answer.locator("select[name=answered_by]").count() == 0  # in its own name
        accessible(page)
        answer.locator("text=Accepter la dénonciation").click()
        answer.locator("button").click()
        page.wait_for_url(f"{contract}#agenda")
        assert "dénonciation d'un commun accord acceptée\u00a0: fin du contrat le" in (
            page.locator("[role=status]").inner_text()
        )
        answered = page.locator("#agenda + table tr", has_text="Réponse à la proposition")
        assert "par Sophie Bernard (gestionnaire)\u00a0: accord\u00a0: fin du contrat le" in (
            answered.inner_text()
        )
        assert page.locator("#agenda + table tr", has_text="Fin anticipée du contrat").count()
        assert page.locator("#decision-answer_denonciation").count() == 0
        page.close()
