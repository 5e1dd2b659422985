"""The bulk import over the real stack: the dashboard's upload page, its background jobs and
progress page, and `cpom import`, against the real workflow, worker and database."""

import asyncio
import html
import io
import os
import re
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook
from sqlmodel import Session, func, select
from temporalio.service import RPCError, RPCStatusCode

from api.main import create_app
from cpom.db.models import ContractRecord, ImportJobRecord
from cpom.import_jobs import INTERRUPTED, RUNNING, ImportJobs
from cpom.messages import workflow_id
from cpom.service import ContractService, Created, ServiceUnavailable
from tests.api.conftest import Stack
from tests.imports import (
    as_csv,
    as_workbook,
    as_xlsx,
    co_signatory_row,
    contract_row,
    establishment_row,
)

CPOM = str(Path(sys.executable).parent / "cpom")


async def sign_in(stack: Stack, who: str = "agent") -> str:
    """Sign the dashboard in as `who`; the CSRF token of the upload form."""
    stack.http.cookies.clear()
    answer = await stack.http.post("/tableau/connexion", data={"token": stack.tokens[who]})
    assert answer.status_code == 303, answer.text
    form = await stack.http.get("/tableau/import")
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', form.text)
    return found[1] if found else ""


async def upload(
    stack: Stack, csrf: str, name: str, content: bytes, *, check_only: bool = False
) -> httpx.Response:
    data = {"csrf": csrf, **({"verifier": "1"} if check_only else {})}
    return await stack.http.post(
        "/tableau/import", data=data, files={"fichier": (name, content, "application/octet-stream")}
    )


def text(answer: httpx.Response) -> str:
    """The page's text as a reader sees it (entities such as &#39; decoded)."""
    return html.unescape(answer.text)


def jobs(stack: Stack) -> ImportJobs:
    found: ImportJobs = stack.app.state.imports
    return found


async def workflow_exists(stack: Stack, reference: str) -> bool:
    handle = stack.life.env.client.get_workflow_handle(workflow_id(reference))
    try:
        await handle.describe()
    except RPCError as error:
        if error.status == RPCStatusCode.NOT_FOUND:
            return False
        raise
    return True


def projected(stack: Stack) -> int:
    with Session(stack.life.engine) as session:
        return session.exec(select(func.count()).select_from(ContractRecord)).one()


async def run_job(stack: Stack, answer: httpx.Response) -> str:
    """Follow the upload's redirect to the job page once the job has ended; its HTML."""
    assert answer.status_code == 303, answer.text
    location = answer.headers["location"]
    job_id = location.rsplit("/", 1)[1]
    await jobs(stack).wait(job_id)
    page = await stack.http.get(location)
    assert page.status_code == 200
    assert "http-equiv" not in page.text  # finished: no more refreshing
    return text(page)


async def test_one_bad_row_and_nothing_is_created(stack: Stack) -> None:
    csrf = await sign_in(stack)
    rows = [contract_row(0), contract_row(1, {"SIREN": "123456789"}), contract_row(2)]
    answer = await upload(stack, csrf, "contrats.csv", as_csv(rows))
    assert answer.status_code == 422
    assert (
        "«\u00a0contrats.csv\u00a0»\u00a0: 1 problème sur 3 lignes\u00a0; "
        "aucun contrat n'a été créé." in text(answer)
    )
    assert (
        "<tr><td>3</td><td>SIREN</td><td>«\u00a0123456789\u00a0» n'est pas un numéro valide "
        "(9 chiffres, clé de Luhn)</td></tr>" in text(answer)
    )
    for row in rows:
        assert not await workflow_exists(stack, str(row["Référence"]))
    assert projected(stack) == 0


async def test_a_dry_run_creates_nothing(stack: Stack) -> None:
    csrf = await sign_in(stack)
    rows = [contract_row(0), contract_row(1)]
    answer = await upload(stack, csrf, "contrats.xlsx", as_xlsx(rows), check_only=True)
    assert answer.status_code == 200, answer.text
    assert "2 contrats seraient créés, 0 est déjà présent." in text(answer)
    assert "<td>CPOM-IMPORT-0001</td><td>Association numéro 1</td><td>à créer</td>" in text(answer)
    assert not await workflow_exists(stack, "CPOM-IMPORT-0000")
    assert projected(stack) == 0


async def test_an_import_creates_each_contract_once(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[str, dict[str, Any]]] = []
    create = ContractService.create

    async def spy(self: ContractService, raw: Any, **options: Any) -> Created:
        calls.append((raw["reference"], options))
        return await create(self, raw, **options)

    monkeypatch.setattr(ContractService, "create", spy)
    csrf = await sign_in(stack)
    rows = [contract_row(0, {"À jour au": "31/12/2024"}), contract_row(1), contract_row(2)]
    content = as_csv(rows)

    page = await run_job(stack, await upload(stack, csrf, "contrats.csv", content))
    assert "Contrats créés\u00a0: <strong>3</strong>" in page
    assert "Déjà présents\u00a0: <strong>0</strong>" in page
    assert 'value="3"' in page
    assert '<a href="/tableau/">Voir le portefeuille</a>' in page
    assert calls == [
        (
            "CPOM-IMPORT-0000",
            {"imported": True, "declared_up_to_date_on": date(2024, 12, 31), "authority": None},
        ),
        ("CPOM-IMPORT-0001", {"imported": True, "declared_up_to_date_on": None, "authority": None}),
        ("CPOM-IMPORT-0002", {"imported": True, "declared_up_to_date_on": None, "authority": None}),
    ]
    for row in rows:
        assert await workflow_exists(stack, str(row["Référence"]))
    # Its workflow records the past as past and projects it (the API wrote the contract's row).
    await stack.projected("CPOM-IMPORT-0000", "imported")

    # The same file again: idempotent on the reference.
    again = await run_job(stack, await upload(stack, csrf, "contrats.csv", content))
    assert "Contrats créés\u00a0: <strong>0</strong>" in again
    assert "Déjà présents\u00a0: <strong>3</strong>" in again
    assert projected(stack) == 3
    dry = await upload(stack, csrf, "contrats.csv", content, check_only=True)
    assert "0 contrat serait créé, 3 sont déjà présents." in text(dry)
    recent = text(await stack.http.get("/tableau/import"))
    assert recent.count(">contrats.csv</a>") == 2
    # A file whose contract changed since (the portfolio's sheet of today): a contract whose
    # reference exists is not created again, whatever its terms.
    changed = as_csv([contract_row(1, {"Gestionnaire": "Association renommée"})])
    later = await run_job(stack, await upload(stack, csrf, "portefeuille.csv", changed))
    assert "Contrats créés : <strong>0</strong>" in later
    assert "Déjà présents : <strong>1</strong>" in later


async def test_the_import_is_for_agents_with_the_form_token(stack: Stack) -> None:
    csrf = await sign_in(stack)
    content = as_csv([contract_row(0)])
    forged = await upload(stack, "0" * 64, "contrats.csv", content)
    assert forged.status_code == 403
    assert "formulaire expiré ou venu d'un autre site" in text(forged)
    empty = await stack.http.post("/tableau/import", data={"csrf": csrf})
    assert empty.status_code == 422
    assert "choisir le fichier à importer" in text(empty)
    odd = await upload(stack, csrf, "contrats.ods", b"PK\x03\x04")
    assert odd.status_code == 422
    assert (
        "«\u00a0contrats.ods\u00a0»\u00a0: fichier «\u00a0.ods\u00a0» non pris en charge"
        in text(odd)
    )
    huge = await upload(stack, csrf, "contrats.csv", b"x" * (5 * 1024 * 1024 + 1))
    assert huge.status_code == 413
    assert "fichier trop volumineux\u00a0: 5 Mio au plus" in text(huge)
    menu = '<a href="/tableau/import">Importer</a>'
    assert menu in (await stack.http.get("/tableau/")).text
    await sign_in(stack, "superviseur")
    # Not offered to whom it is refused (found by probing: the menu led them to a 403 page).
    assert menu not in (await stack.http.get("/tableau/")).text
    refused = await upload(stack, csrf, "contrats.csv", content)
    assert refused.status_code == 403
    assert "réservé aux agents" in text(refused)
    assert (await stack.http.get("/tableau/import/modele.xlsx")).status_code == 403
    assert projected(stack) == 0
    stack.http.cookies.clear()
    anonymous = await stack.http.get("/tableau/import")
    assert anonymous.headers["location"] == "/tableau/connexion"


async def test_the_templates_download_from_the_dashboard(stack: Stack) -> None:
    await sign_in(stack)
    workbook = await stack.http.get("/tableau/import/modele.xlsx")
    assert workbook.status_code == 200
    assert workbook.content.startswith(b"PK")
    assert 'filename="import-contrats.xlsx"' in workbook.headers["content-disposition"]
    sheets = load_workbook(io.BytesIO(workbook.content))
    assert sheets.sheetnames == ["Contrats", "Établissements", "Autorités cosignataires", "Aide"]
    assert [cell.value for cell in sheets["Établissements"][1]] == [
        "Référence du contrat",
        "FINESS",
        "Nom",
        "Catégorie",
        "Autorisation",
        "Financé par",
    ]
    help_lines = [str(row[0]) for row in sheets["Aide"].iter_rows(values_only=True) if row[0]]
    assert (
        "Un fichier CSV ne contient qu'un tableau : une ligne par contrat, sans périmètre ni "
        "autorité cosignataire. Pour les décrire, employer le classeur XLSX." in help_lines
    )
    table = await stack.http.get("/tableau/import/modele.csv")
    assert table.text.startswith("\ufeffRéférence;Préréglage;Date d'effet")
    page = text(await stack.http.get("/tableau/import"))
    assert "un fichier CSV ne contient que les contrats, à raison d'une ligne par contrat" in page


async def test_a_workbook_imports_a_joint_contract_with_its_perimeter(stack: Stack) -> None:
    csrf = await sign_in(stack)
    joint = "CPOM-IMPORT-0001"
    content = as_workbook(
        [contract_row(0), contract_row(1, {"Identifiant de l'autorité": "ars-pdl"})],
        [
            establishment_row(joint, "350004214", {"Financé par": "ars-pdl ; cd35"}),
            establishment_row(joint, "350004222", {"Financé par": "cd35"}),
        ],
        [co_signatory_row(joint)],
    )
    dry = await upload(stack, csrf, "conjoint.xlsx", content, check_only=True)
    assert "2 contrats seraient créés, 0 est déjà présent." in text(dry)

    page = await run_job(stack, await upload(stack, csrf, "conjoint.xlsx", content))
    assert "Contrats créés\u00a0: <strong>2</strong>" in page
    terms = (await stack.projected(joint))["terms"]
    assert [(a["id"], a["kind"], a["role"]) for a in terms["co_signatories"]] == [
        ("cd35", "departement", "cosignataire")
    ]
    assert terms["co_signatories"][0]["email"] == "cpom@ille-et-vilaine.example"
    assert (terms["authority"]["id"], terms["authority"]["role"]) == ("ars-pdl", "tarification")
    assert [(e["finess"], e["funded_by"]) for e in terms["establishments"]] == [
        ("350004214", ["ars-pdl", "cd35"]),
        ("350004222", ["cd35"]),
    ]
    alone = (await stack.projected("CPOM-IMPORT-0000"))["terms"]
    assert (alone["co_signatories"], alone["establishments"]) == ([], [])


async def test_a_perimeter_mistake_is_reported_with_its_sheet_and_nothing_is_created(
    stack: Stack,
) -> None:
    csrf = await sign_in(stack)
    joint = "CPOM-IMPORT-0001"
    content = as_workbook(
        [contract_row(0), contract_row(1)],
        [establishment_row(joint, "350004214"), establishment_row(joint, "350000015")],
        [co_signatory_row("CPOM-ABSENT")],
    )
    answer = await upload(stack, csrf, "conjoint.xlsx", content)
    assert answer.status_code == 422
    page = text(answer)
    assert (
        "«\u00a0conjoint.xlsx\u00a0»\u00a0: 2 problèmes sur 2 lignes\u00a0; "
        "aucun contrat n'a été créé." in page
    )
    assert '<th scope="col">Feuille</th><th scope="col">Ligne</th>' in page
    assert (
        "<tr><td>Établissements</td><td>3</td><td>FINESS</td><td>«\u00a0350000015\u00a0» "
        "n'est pas un "
        "numéro FINESS valide" in page
    )
    assert (
        "<tr><td>Autorités cosignataires</td><td>2</td><td>Référence du contrat</td><td>le "
        "contrat «\u00a0CPOM-ABSENT\u00a0» ne figure pas dans la feuille "
        "«\u00a0Contrats\u00a0»</td></tr>" in page
    )
    assert not await workflow_exists(stack, "CPOM-IMPORT-0000")
    assert projected(stack) == 0


async def test_progress_page_refreshes_and_an_import_cut_short_is_interrupted(
    stack: Stack,
) -> None:
    await sign_in(stack)
    now = datetime.now(UTC)
    with Session(stack.life.engine) as session:
        for job_id, heartbeat in (("vivant", now), ("coupe", now - timedelta(minutes=5))):
            session.add(
                ImportJobRecord(
                    id=job_id,
                    filename="gros.xlsx",
                    actor="agent:agent-35",
                    status=RUNNING,
                    total=200,
                    done=80,
                    started_at=now - timedelta(minutes=6),
                    heartbeat_at=heartbeat,
                )
            )
        session.commit()
    running = text(await stack.http.get("/tableau/import/vivant"))
    assert '<meta http-equiv="refresh" content="2">' in running
    assert '<progress id="avancement" max="200" value="80">' in running
    assert "en cours" in running
    still = text(await stack.http.get("/tableau/import/vivant?auto=false"))
    assert "http-equiv" not in still
    assert "Reprendre l'actualisation automatique" in still

    # A new API process (a restart) marks the silent job interrupted at start-up.
    create_app(stack.life.settings, client=stack.life.env.client, engine=stack.life.engine)
    with Session(stack.life.engine) as session:
        stopped = session.get(ImportJobRecord, "coupe")
        assert stopped is not None
        assert stopped.status == INTERRUPTED
        assert stopped.message == (
            "import interrompu par l'arrêt du service après 80 contrats sur 200 : relancer "
            "l'import du même fichier : il est idempotent, les contrats déjà créés ne le seront "
            "pas une seconde fois"
        )
        alive = session.get(ImportJobRecord, "vivant")
        assert alive is not None
        assert alive.status == RUNNING
    page = text(await stack.http.get("/tableau/import/coupe"))
    assert "interrompu" in page
    assert "http-equiv" not in page
    assert (await stack.http.get("/tableau/import/inconnu")).status_code == 404


async def test_a_stopping_api_marks_its_running_import_interrupted(stack: Stack) -> None:
    csrf = await sign_in(stack)
    started = asyncio.Event()
    create = ContractService.create

    async def slow(self: ContractService, raw: Any, **options: Any) -> Created:
        started.set()
        await asyncio.Event().wait()  # until cancelled
        return await create(self, raw, **options)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ContractService, "create", slow)
        answer = await upload(stack, csrf, "contrats.csv", as_csv([contract_row(0)]))
        job_id = answer.headers["location"].rsplit("/", 1)[1]
        await started.wait()
        await jobs(stack).close()
    job = jobs(stack).get(job_id)
    assert job is not None
    assert (job.status, job.done) == (INTERRUPTED, 0)


async def test_an_import_cut_by_temporal_ends_failed_and_says_to_run_it_again(
    stack: Stack,
) -> None:
    csrf = await sign_in(stack)
    create = ContractService.create

    async def flaky(self: ContractService, raw: Any, **options: Any) -> Created:
        if raw["reference"] == "CPOM-IMPORT-0001":
            raise ServiceUnavailable("Temporal est injoignable, réessayer plus tard")
        return await create(self, raw, **options)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ContractService, "create", flaky)
        rows = [contract_row(index) for index in range(3)]
        page = await run_job(stack, await upload(stack, csrf, "contrats.csv", as_csv(rows)))
    assert 'État\u00a0: <strong id="etat">échoué</strong>' in page
    assert "Contrats créés\u00a0: <strong>1</strong>" in page
    assert (
        "Temporal injoignable après 1 contrat sur 3\u00a0: quand le service sera revenu, relancer "
        "l'import du même fichier" in page
    )
    assert projected(stack) == 1


@pytest.mark.timeout(600)
async def test_five_hundred_rows_end_to_end_then_again_with_the_command(
    stack: Stack, tmp_path: Path
) -> None:
    rows = [contract_row(index) for index in range(500)]
    content = as_xlsx(rows)
    csrf = await sign_in(stack)

    began = time.monotonic()
    page = await run_job(stack, await upload(stack, csrf, "cinq-cents.xlsx", content))
    elapsed = time.monotonic() - began
    assert "Contrats créés\u00a0: <strong>500</strong>" in page
    assert projected(stack) == 500
    assert await workflow_exists(stack, "CPOM-IMPORT-0499")
    # Reported by `pytest -rP`; the README quotes it.
    sys.stderr.write(f"\n500 lignes importées en {elapsed:.1f} s\n")
    assert elapsed < 240

    # `cpom import` against the same stack, in its own process: nothing new to create.
    file = tmp_path / "cinq-cents.csv"
    file.write_bytes(as_csv(rows))
    env = {
        **os.environ,
        "CPOM_TEMPORAL_ADDRESS": stack.life.env.client.service_client.config.target_host,
        "CPOM_DATABASE_URL": stack.life.settings.effective_database_url(),
        "CPOM_TASK_QUEUE": stack.life.settings.task_queue,
    }
    dry = await cpom(env, "import", str(file), "--dry-run")
    assert dry[0] == 0, dry
    assert dry[1].splitlines()[0] == (
        "« cinq-cents.csv » : toutes les lignes sont valides ; vérification seulement, rien n'a "
        "été créé : 0 à créer, 500 déjà présents."
    )
    assert "ligne 501 : CPOM-IMPORT-0499 (Association numéro 499) : déjà présent" in dry[1]
    code, out, err = await cpom(env, "import", str(file))
    assert code == 0, (out, err)
    assert out == "« cinq-cents.csv » : 500 contrats importés : 0 créé, 500 déjà présents.\n"
    assert err.endswith("\rimport [##############################] 100 % 500/500\n")
    assert projected(stack) == 500

    rows.append(contract_row(500, {"Durée (années)": "9"}))
    file.write_bytes(as_csv(rows))
    code, out, _ = await cpom(env, "import", str(file))
    assert code == 2
    assert out.splitlines() == [
        "« cinq-cents.csv » : 1 problème sur 501 lignes ; aucun contrat n'a été créé.",
        "ligne 502, colonne « Durée (années) » : 9 ans impossible : un CPOM est conclu pour 2 "
        "ans au moins et 5 ans au plus (CASF art. L. 313-11)",
    ]
    assert not await workflow_exists(stack, "CPOM-IMPORT-0500")


async def cpom(env: dict[str, str], *argv: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        CPOM,
        *argv,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()
