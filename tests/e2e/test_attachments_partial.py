"""The contract page's partial for uploaded files, rendered from real data as the page will
include it, then checked in Chromium by axe-core."""

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import sync_playwright
from sqlalchemy import Engine
from sqlmodel import Session

from api.csrf import csrf_token
from api.routes.dashboard import templates
from api.routes.dashboard_attachments import attachments_context
from cpom.access import Principal, Role
from cpom.attachments import Attachments
from cpom.db import projection
from cpom.db.engine import make_engine
from cpom.db.models import ContractRecord
from cpom.domain.lifecycle import Phase
from cpom.messages import ProjectionUpdate
from tests import sample_files
from tests.e2e.test_dashboard import CHROMIUM, FLAGS
from tests.factories import make_terms

# Stands for the contract page until the lead includes the partial in it.
PAGE = """{% extends "dashboard/base.html.j2" %}{% block content %}
<h1>CPOM {{ reference }}</h1>
{% include "dashboard/_attachments.html.j2" %}
{% endblock %}"""
AGENT = Principal("agent-35", Role.AGENT)
SUPERVISOR = Principal("direction", Role.SUPERVISOR)


@pytest.fixture
def contract(tmp_path: Path) -> Iterator[tuple[Attachments, ContractRecord]]:
    engine: Engine = make_engine(f"sqlite:///{tmp_path / 'cpom.db'}")
    terms = make_terms()
    projection.record(engine, ProjectionUpdate(terms, Phase.EXECUTION, date(2026, 3, 2), 0, []))
    attachments = Attachments(engine, 20 * 1024 * 1024)
    attachments.store(
        terms.reference,
        "AR lettre recommandée.pdf",
        sample_files.pdf(),
        kind="avis_de_reception",
        actor="Marie Dupont (agent)",
        description="<script>alert('AR')</script>",
        decision="request_prorogation",
    )
    attachments.store(
        terms.reference,
        "avenant.png",
        sample_files.image("PNG"),
        kind="avenant_signe",
        actor="Sophie Bernard (gestionnaire)",
    )
    with Session(engine) as session:
        record = session.get(ContractRecord, terms.reference)
    assert record is not None
    yield attachments, record
    engine.dispose()


def render(
    attachments: Attachments,
    record: ContractRecord,
    principal: Principal,
    query: dict[str, str],
) -> str:
    context = attachments_context(attachments, principal, record, query)
    return templates.from_string(PAGE).render(
        principal=principal,
        csrf=csrf_token("cpom_session"),
        task_count=0,
        reference=record.reference,
        **context,
    )


def test_the_partial_lists_files_and_explains_a_refusal_from_its_code(
    contract: tuple[Attachments, ContractRecord],
) -> None:
    attachments, record = contract
    html = render(attachments, record, AGENT, {"piece_refusee": "type"})
    assert html.index("avenant.png") < html.index("AR lettre recommandée.pdf")  # newest first
    for item in attachments.list(record.reference):
        assert f'href="/tableau/contrats/{record.reference}/pieces/{item.id}"' in html
    assert "&lt;script&gt;alert(&#39;AR&#39;)&lt;/script&gt;" in html
    assert "avec la décision : demande de prorogation" in html
    assert "Pièce refusée : type de fichier refusé : sont acceptés les fichiers PDF" in html
    assert f'<input type="hidden" name="csrf" value="{csrf_token("cpom_session")}">' in html
    assert 'enctype="multipart/form-data"' in html
    assert "20 Mio au plus" in html

    assert "Pièce déposée." in render(attachments, record, AGENT, {"piece": "deposee"})
    forged = render(attachments, record, AGENT, {"piece_refusee": "<b>Appelez le 0800</b>"})
    assert "Pièce refusée : pièce refusée." in forged
    assert "0800" not in forged
    reader = render(attachments, record, SUPERVISOR, {})
    assert "avenant.png" in reader
    assert "Déposer une pièce" not in reader
    assert "Pièce refusée" not in reader


def test_the_partial_passes_axe(contract: tuple[Attachments, ContractRecord]) -> None:
    assert Path(CHROMIUM).exists(), "Chromium manque : « apt-get install chromium »"
    attachments, record = contract
    html = render(attachments, record, AGENT, {"piece_refusee": "taille"})
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page()
        page.set_content(html)
        assert page.get_by_label("Fichier").get_attribute("type") == "file"
        assert page.get_by_label("Nature de la pièce").input_value() == "avis_de_reception"
        assert page.get_by_role("alert").inner_text() == (
            "Pièce refusée : fichier trop volumineux : 20 Mio au plus."
        )
        results = Axe().run(page)
        browser.close()
    assert results.violations_count == 0, results.generate_report()
