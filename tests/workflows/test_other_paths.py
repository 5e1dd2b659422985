"""Annual documents, early ends and imported contracts, lived on the time-skipping server."""

from datetime import date

import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from cpom.domain.lifecycle import DenonciationMode, Party, ResiliationReason
from cpom.domain.terms import Sector
from cpom.messages import (
    AnswerDenonciation,
    Denounce,
    RequestProrogation,
    SubmitDocuments,
    Terminate,
)
from cpom.simulation import LifeSimulator
from tests.workflows.helpers import SUPERVISEUR, contract, events, mails_of, notices


async def test_late_documents_get_reminders_a_relance_then_an_escalation(
    simulator: LifeSimulator,
) -> None:
    terms = contract()
    handle = await simulator.start(terms, date(2025, 1, 1))
    await simulator.advance_to(date(2025, 4, 25))
    await simulator.decide(
        handle,
        "submit_documents",
        SubmitDocuments("gestionnaire", 2024, ["rapport_activite", "compte_administratif"]),
    )
    await simulator.advance_to(date(2025, 5, 20))
    log = simulator.log(terms.reference)
    assert [n for n in notices(log) if "documents" in n[1]] == [
        ("2025-03-31", "rappel_documents_annuels"),
        ("2025-04-23", "rappel_documents_annuels"),
        ("2025-05-01", "relance_documents_annuels"),
        ("2025-05-16", "escalade_documents_annuels"),
    ]
    relance = mails_of(simulator.catcher.caught, "relance_documents_annuels")[0]
    # The pieces still awaited, as people write them.
    assert (
        "synthèse des fiches objectifs, bilan financier, tableau des dépenses et des recettes"
        in relance.text()
    )
    assert "compte administratif" not in relance.text()
    assert "_" not in relance.text().split("Madame, Monsieur,")[1].split("--")[0]
    escalation = mails_of(simulator.catcher.caught, "escalade_documents_annuels")
    assert [m.envelope_to for m in escalation] == [[SUPERVISEUR]]
    assert "Malgré la relance du 01/05/2025" in escalation[0].text()


async def test_complete_documents_stop_every_reminder(simulator: LifeSimulator) -> None:
    terms = contract(rules={"annual_document_items": ("compte_administratif",)})
    handle = await simulator.start(terms, date(2025, 1, 1))
    await simulator.advance_to(date(2025, 4, 1))
    await simulator.decide(
        handle, "submit_documents", SubmitDocuments("g", 2024, ["compte_administratif"])
    )
    await simulator.advance_to(date(2025, 6, 1))
    log = simulator.log(terms.reference)
    assert [n for n in notices(log) if "documents" in n[1]] == [
        ("2025-03-31", "rappel_documents_annuels")
    ]


async def test_a_mutual_denonciation_of_one_party_alone_ends_nothing(
    simulator: LifeSimulator,
) -> None:
    terms = contract()
    handle = await simulator.start(terms, date(2026, 1, 1))
    await simulator.advance_to(date(2026, 3, 10))
    result = await simulator.decide(
        handle, "denounce", Denounce("agent-35", DenonciationMode.MUTUELLE, date(2026, 3, 10))
    )
    assert result.message == (
        "proposition de dénonciation d'un commun accord enregistrée : elle attend l'accord du "
        "gestionnaire ; sans réponse, le contrat continue"
    )
    # Past the three months the proposal's préavis would have run: still in force.
    await simulator.advance_to(date(2026, 7, 1))
    log = simulator.log(terms.reference)
    assert notices(log, "denonciation_notifiee") == []
    assert events(log, "contract_ended") == []
    assert (await simulator.view(handle)).phase.value == "execution"
    # The proposer cannot accept its own proposal.
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await simulator.decide(
            handle,
            "answer_denonciation",
            AnswerDenonciation("agent-35", True, date(2026, 7, 1), Party.AUTORITE),
        )
    assert isinstance(refused.value.cause, ApplicationError)
    assert refused.value.cause.message == (
        "la proposition de dénonciation d'un commun accord de l'autorité ne peut être acceptée "
        "ou refusée que par le gestionnaire"
    )
    assert (await simulator.view(handle)).phase.value == "execution"


async def test_a_mutual_denonciation_ends_the_contract_after_the_preavis_from_its_acceptance(
    simulator: LifeSimulator,
) -> None:
    terms = contract()
    handle = await simulator.start(terms, date(2026, 1, 1))
    await simulator.advance_to(date(2026, 3, 10))
    await simulator.decide(
        handle, "denounce", Denounce("agent-35", DenonciationMode.MUTUELLE, date(2026, 3, 10))
    )
    await simulator.advance_to(date(2026, 4, 1))
    result = await simulator.decide(
        handle, "answer_denonciation", AnswerDenonciation("direction", True, date(2026, 4, 1))
    )
    assert result.message == (
        # Three months from 1 April (CPC art. 641): in force through 1 July, not 30 June.
        "dénonciation d'un commun accord acceptée : fin du contrat le 01/07/2026"
    )
    assert await handle.result() == "denoncee"
    log = simulator.log(terms.reference)
    assert notices(log, "denonciation_notifiee") == [("2026-04-01", "denonciation_notifiee")]
    assert notices(log, "fin_du_contrat") == [("2026-07-02", "fin_du_contrat")]
    ended = events(log, "contract_ended")
    assert [(e["at"], e["phase"]) for e in ended] == [("2026-07-02", "denoncee")]
    mail = mails_of(simulator.catcher.caught, "denonciation_notifiee")[0]
    assert (
        "Le contrat fait l'objet d'une dénonciation d'un commun accord proposée par l'autorité le "
        "10/03/2026 et acceptée par "
        "le gestionnaire le 01/04/2026, préavis de 3 mois." in " ".join(mail.text().split())
    )
    # Nothing after the end: no dialogue, no document reminder for later exercises.
    assert max(e["at"] for e in log) == "2026-07-02"


async def test_a_refused_mutual_denonciation_keeps_the_contract_running(
    simulator: LifeSimulator,
) -> None:
    terms = contract()
    handle = await simulator.start(terms, date(2026, 1, 1))
    await simulator.advance_to(date(2026, 3, 10))
    await simulator.decide(
        handle,
        "denounce",
        Denounce("agent-35", DenonciationMode.MUTUELLE, date(2026, 3, 9), Party.GESTIONNAIRE),
    )
    await simulator.advance_to(date(2026, 3, 20))
    result = await simulator.decide(
        handle, "answer_denonciation", AnswerDenonciation("agent-35", False, date(2026, 3, 20))
    )
    assert result.message == "proposition de dénonciation refusée : le contrat continue"
    await simulator.advance_to(date(2026, 7, 1))
    log = simulator.log(terms.reference)
    refused = events(log, "denonciation_refused")
    assert [(e["at"], e["answered_by"]) for e in refused] == [("2026-03-20", "autorite")]
    assert notices(log, "denonciation_notifiee") == []
    assert (await simulator.view(handle)).phase.value == "execution"


async def test_breach_denonciation_is_refused_where_the_contract_has_none(
    simulator: LifeSimulator,
) -> None:
    handle = await simulator.start(contract(), date(2025, 2, 1))
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await simulator.decide(
            handle, "denounce", Denounce("agent-35", DenonciationMode.MANQUEMENT, date(2025, 2, 1))
        )
    assert "ne prévoit pas de dénonciation pour manquement" in str(refused.value.cause)


async def test_ars_breach_denonciation_has_six_months_notice(simulator: LifeSimulator) -> None:
    terms = contract(sector=Sector.ESMS_ARS, territory="44")
    handle = await simulator.start(terms, date(2025, 2, 1))
    result = await simulator.decide(
        handle, "denounce", Denounce("ars-pdl", DenonciationMode.MANQUEMENT, date(2025, 2, 1))
    )
    # Six months from 1 February (CPC art. 641): in force through 1 August.
    assert "fin du contrat le 01/08/2025" in result.message


async def test_liquidation_ends_the_contract_at_once(simulator: LifeSimulator) -> None:
    terms = contract()
    handle = await simulator.start(terms, date(2025, 1, 1))
    await simulator.advance_to(date(2025, 2, 3))
    await simulator.decide(
        handle, "terminate", Terminate("agent-35", ResiliationReason.LIQUIDATION, date(2025, 2, 3))
    )
    assert await handle.result() == "resiliee"
    log = simulator.log(terms.reference)
    ended = events(log, "contract_ended")
    assert [(e["at"], e["phase"]) for e in ended] == [("2025-02-03", "resiliee")]
    assert notices(log, "fin_du_contrat") == [("2025-02-03", "fin_du_contrat")]
    mail = mails_of(simulator.catcher.caught, "fin_du_contrat")[0]
    assert "liquidation judiciaire" in mail.text()


async def test_contract_imported_mid_life_notifies_nothing_of_its_past(
    simulator: LifeSimulator,
) -> None:
    terms = contract()
    handle = await simulator.start(terms, date(2027, 3, 15), imported=True)
    await simulator.advance_to(date(2027, 3, 16))
    assert simulator.catcher.caught == []
    log = simulator.log(terms.reference)
    imported = events(log, "imported")
    assert len(imported) == 1
    assert imported[0]["at"] == "2027-03-15"
    await simulator.advance_to(date(2027, 4, 24))
    assert notices(simulator.log(terms.reference)) == [
        ("2027-03-31", "rappel_documents_annuels"),
        ("2027-04-23", "rappel_documents_annuels"),
    ]
    assert (await simulator.view(handle)).phase.value == "execution"


async def test_worker_stopped_and_restarted_loses_and_repeats_nothing() -> None:
    # On the dev server (per-workflow virtual clock): a restarted worker has an empty cache
    # and rebuilds the contract from its history.
    async with LifeSimulator(real_server=True) as life:
        terms = contract()
        await life.start(terms, date(2025, 1, 1), imported=True)
        await life.advance_to(date(2025, 4, 1))
        assert [m.notice for m in life.catcher.caught] == [
            "rappel_arrete_tarification",  # 1 March 2025, a month before its 31 March target
            "rappel_documents_annuels",
        ]
        await life.stop_worker()
        await life.start_worker()
        await life.advance_to(date(2025, 5, 20))
        sent = [n for n in notices(life.log(terms.reference)) if "documents" in n[1]]
        assert sent == [
            ("2025-03-31", "rappel_documents_annuels"),
            ("2025-04-23", "rappel_documents_annuels"),
            ("2025-05-01", "relance_documents_annuels"),
            ("2025-05-16", "escalade_documents_annuels"),
        ]
        # Five notices, the relance to both parties in a message each: six messages, none twice.
        message_ids = [m.message["Message-ID"] for m in life.catcher.caught]
        assert len(message_ids) == len(set(message_ids)) == 6


async def test_search_attributes_let_supervisors_find_contracts() -> None:
    from cpom import search_attributes as sa
    from cpom.domain.clock import local_instant

    async with LifeSimulator(real_server=True) as life:
        terms = contract()
        handle = await life.start(terms, date(2025, 1, 1), imported=True)
        await life.advance_to(date(2025, 4, 1))
        attributes = (await handle.describe()).typed_search_attributes
        assert attributes.get(sa.PHASE) == "execution"
        assert attributes.get(sa.AUTHORITY) == "Département d'Ille-et-Vilaine"
        assert attributes.get(sa.GESTIONNAIRE) == "Association Aide à domicile 35"
        assert attributes.get(sa.ECHEANCE) == local_instant(date(2028, 12, 31))
        # Next: the legal deadline of the 2024 documents, 30 April, as the dashboard shows it;
        # not the next step (their second reminder, on 23 April).
        assert attributes.get(sa.NEXT_DEADLINE) == local_instant(date(2025, 4, 30))
        record = life.record(terms.reference)
        assert record is not None
        assert record.next_deadline == date(2025, 4, 30)


async def test_a_decision_arriving_with_the_import_still_sends_its_notice() -> None:
    # The decision reaches the workflow in its very first task, before the import has recorded
    # the past: its notice, due now, is the decision's, not a past step to keep quiet.
    async with LifeSimulator(real_server=True) as life:
        terms = contract()
        request = RequestProrogation("agent", Party.GESTIONNAIRE, date(2028, 5, 2))
        await life.start(
            terms, date(2028, 5, 2), imported=True, first_decision=("request_prorogation", request)
        )
        await life.advance_to(date(2028, 5, 3))
        assert notices(life.log(terms.reference), "demande_de_prorogation_recue") == [
            ("2028-05-02", "demande_de_prorogation_recue")
        ]
        # One message for each party.
        assert [m.notice for m in life.catcher.caught] == ["demande_de_prorogation_recue"] * 2
