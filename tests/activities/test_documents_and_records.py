"""Documents are printable PDFs kept with their checksum; the projection is idempotent."""

import hashlib
import html
import io
from dataclasses import replace
from datetime import date

import pytest
from pypdf import PdfReader
from sqlalchemy import Engine
from sqlmodel import Session, select
from temporalio.testing import ActivityEnvironment

from activities.documents import DocumentActivities
from activities.records import RecordActivities
from cpom.db.models import (
    AgendaRecord,
    ContractAuthorityRecord,
    ContractRecord,
    ContractTermsRecord,
    DocumentRecord,
    EventRecord,
)
from cpom.db.projection import stored_terms
from cpom.domain.agenda import DocumentKind
from cpom.domain.lifecycle import ContractState, Event, Phase, apply_submit_documents
from cpom.domain.live_agenda import live_agenda
from cpom.domain.terms import Authority, AuthorityKind
from cpom.messages import DocumentRequest, ProjectionUpdate
from cpom.rendering import Renderer
from cpom.settings import ROOT
from tests.factories import SAD_ITEMS
from tests.workflows.helpers import contract

FACTS = {
    "previous_echeance": "31/12/2028",
    "new_echeance": "31/12/2029",
    "notice_received_on": "02/05/2028",
    "accepted_on": "04/07/2028",
    "tacit": "oui",
}


@pytest.mark.parametrize(
    ("kind", "facts", "expected"),
    [
        (DocumentKind.AVENANT_PROROGATION, FACTS, "est portée au 31 décembre 2029"),
        (DocumentKind.ATTESTATION_ACCEPTATION_TACITE, FACTS, "l'accord est réputé acquis"),
        (
            DocumentKind.RELEVE_DE_DECISIONS,
            {
                "contract_year": "3",
                "held_on": "25/06/2026",
                "participants": "Mme Durand (Département)\nM. Martin (SAD)",
                "decisions": "Avenant sur l'objectif 2\nSuivi trimestriel des heures",
            },
            "Suivi trimestriel des heures",
        ),
    ],
)
async def test_documents_are_printable_pdfs_with_a_checksum(
    engine: Engine, kind: DocumentKind, facts: dict[str, str], expected: str
) -> None:
    documents = DocumentActivities(engine, Renderer(ROOT / "templates"))
    request = DocumentRequest(
        f"CPOM-35-SAD-2024:{kind.value}", kind, contract(), facts, date(2028, 7, 4)
    )
    result = await ActivityEnvironment().run(documents.generate_document, request)
    again = await ActivityEnvironment().run(documents.generate_document, request)
    assert again == result
    with Session(engine) as session:
        [record] = session.exec(select(DocumentRecord)).all()
    assert hashlib.sha256(record.pdf).hexdigest() == record.sha256 == result.sha256
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(record.pdf)).pages)
    assert expected in " ".join(text.split())
    assert "Département d'Ille-et-Vilaine" in text
    assert record.html.startswith("<!doctype html>")
    assert expected in html.unescape(record.html)


async def test_projection_stores_the_live_agenda_and_appends_events_once(engine: Engine) -> None:
    records = RecordActivities(engine)
    terms = contract()
    state = ContractState(terms, Phase.EXECUTION)
    first = live_agenda(state)
    events = [
        Event(date(2025, 3, 31), "notice_sent", "avis envoyé"),
        Event(date(2025, 4, 10), "documents_submitted", "documents reçus", "gestionnaire"),
    ]
    update = ProjectionUpdate(
        terms, Phase.EXECUTION, date(2025, 4, 10), 0, events, agenda=first, agenda_complete=True
    )
    await ActivityEnvironment().run(records.record_contract, update)
    await ActivityEnvironment().run(records.record_contract, update)  # a retry
    # No dialogue de gestion was recorded for the first year: late since its target.
    assert summary(engine) == (date(2025, 4, 30), "annual_documents_due", date(2024, 6, 30))
    assert stored_keys(engine) == {item.key for item in first}

    # The documents of 2024 arrive: only what changed crosses the workflow boundary.
    apply_submit_documents(state, 2024, list(SAD_ITEMS), date(2025, 4, 20), "gestionnaire")
    second = {item.key: item for item in live_agenda(state)}
    changed = [item for key, item in second.items() if item not in first]
    assert {item.key for item in changed} == {"documents:2024", "documents:examen:2024"}
    delta = ProjectionUpdate(
        terms, Phase.EXECUTION, date(2025, 4, 20), 2, [state.events[-1]], agenda=changed
    )
    await ActivityEnvironment().run(records.record_contract, delta)
    assert summary(engine) == (date(2026, 4, 30), "annual_documents_due", date(2024, 6, 30))
    assert stored_keys(engine) == set(second)

    # A projection from before the live agenda leaves the stored agenda as it stands, and the
    # summary is read again on its day: the next deadline is the documents of 2027.
    later = ProjectionUpdate(
        terms, Phase.BILAN, date(2028, 1, 1), 3, [Event(date(2028, 1, 1), "phase_changed", "bilan")]
    )
    await ActivityEnvironment().run(records.record_contract, later)
    assert summary(engine) == (date(2028, 4, 30), "annual_documents_due", date(2024, 6, 30))
    with Session(engine) as session:
        record = session.get(ContractRecord, terms.reference)
        assert record is not None
        assert (record.phase, record.echeance) == ("bilan", date(2028, 12, 31))
        assert record.gestionnaire_siren == "732829320"
        kinds = [e.kind for e in session.exec(select(EventRecord)).all()]
        assert kinds == [
            "notice_sent",
            "documents_submitted",
            "documents_submitted",
            "phase_changed",
        ]
        done = session.get(AgendaRecord, (terms.reference, "documents:2024"))
        assert done is not None
        assert (done.done_on, done.done_by) == (date(2025, 4, 20), "gestionnaire")


async def test_a_change_of_terms_updates_the_contract_in_place(engine: Engine) -> None:
    """The service lists the contract first; the workflow's projections then update its row,
    its terms and its signing authorities where they are, without a second copy."""
    records = RecordActivities(engine)
    terms = contract()
    created = ProjectionUpdate(terms, Phase.CADRAGE, date(2025, 1, 2), 0, [])
    await ActivityEnvironment().run(records.record_contract, created)
    state = ContractState(terms, Phase.EXECUTION)
    whole = ProjectionUpdate(
        terms,
        Phase.EXECUTION,
        date(2025, 4, 10),
        0,
        [Event(date(2025, 4, 10), "signed", "signé")],
        agenda=live_agenda(state),
        agenda_complete=True,
    )
    await ActivityEnvironment().run(records.record_contract, whole)
    ars = Authority(AuthorityKind.ARS, "ARS Bretagne", "35", id="ars")
    gestionnaire = replace(
        terms.gestionnaire, raison_sociale="ADMR 35", siren=None, siret="77567227200012"
    )
    changed = replace(terms, gestionnaire=gestionnaire, co_signatories=(ars,))
    avenant = ProjectionUpdate(changed, Phase.EXECUTION, date(2025, 5, 2), 1, [])
    await ActivityEnvironment().run(records.record_contract, avenant)
    await ActivityEnvironment().run(records.record_contract, avenant)  # a retry
    with Session(engine) as session:
        [record] = session.exec(select(ContractRecord)).all()
        assert (record.phase, record.gestionnaire) == ("execution", "ADMR 35")
        assert record.gestionnaire_siren == "775672272"  # read off the SIRET
        [stored] = session.exec(select(ContractTermsRecord)).all()
        keys = session.exec(select(ContractAuthorityRecord.authority_key)).all()
    assert stored_terms(engine, terms.reference) == changed
    assert stored.reference == terms.reference
    assert sorted(keys) == sorted(["ars", terms.authority.key])
    # The update carried no agenda: its summary is read off the stored one, on its own day.
    assert summary(engine)[:2] == (date(2026, 4, 30), "annual_documents_due")


def summary(engine: Engine) -> tuple[date | None, str | None, date | None]:
    with Session(engine) as session:
        record = session.get(ContractRecord, "CPOM-35-SAD-2024")
        assert record is not None
        return record.next_deadline, record.next_deadline_kind, record.overdue_since


def stored_keys(engine: Engine) -> set[str]:
    with Session(engine) as session:
        return set(session.exec(select(AgendaRecord.key)).all())
