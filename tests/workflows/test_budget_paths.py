"""The yearly budget cycle of an ESMS under an ARS, lived on the time-skipping server."""

from datetime import date

from cpom.domain.lifecycle import DenonciationMode
from cpom.domain.terms import Sector
from cpom.messages import Denounce, ProjectionUpdate, RecordTarification, SubmitDocuments
from cpom.simulation import LifeSimulator
from tests.workflows.helpers import (
    GESTIONNAIRE,
    addressees,
    contract,
    events,
    mails_of,
    notices,
)


def eprd_notices(log: list[dict[str, object]]) -> list[tuple[str, str]]:
    return [n for n in notices(log) if n[1] in ("rappel_eprd", "relance_eprd")]


async def test_a_late_notification_of_resources_moves_the_eprd_and_its_reminders(
    simulator: LifeSimulator,
) -> None:
    terms = contract(sector=Sector.ESMS_ARS, territory="44")
    # The next run of a contract begun under calendar law 1: the reminders law 2 adds for
    # days already past (the EPRD of 2025) are not sent late, all at once.
    handle = await simulator.start(terms, date(2025, 6, 1), calendar_law=1)
    await simulator.advance_to(date(2026, 4, 21))
    log = simulator.log(terms.reference)
    assert eprd_notices(log) == [("2026-03-31", "rappel_eprd")]
    assert not [n for n in notices(log) if n[0] < "2025-06-01"]
    # The ARS notifies the 2026 resources on 20 April: the EPRD is due 30 days after.
    result = await simulator.decide(
        handle, "record_tarification", RecordTarification("ars-pdl", 2026, date(2026, 4, 20))
    )
    assert result.message == (
        "arrêté de tarification de l'exercice 2026 notifié le 20/04/2026 : EPRD 2026 à "
        "transmettre au plus tard le 20/05/2026 (délai ouvert par la notification) : enregistré"
    )
    await simulator.advance_to(date(2026, 5, 25))
    log = simulator.log(terms.reference)
    assert eprd_notices(log) == [
        ("2026-03-31", "rappel_eprd"),
        ("2026-05-13", "rappel_eprd"),
        ("2026-05-21", "relance_eprd"),
    ]
    assert addressees(simulator.catcher.caught, "relance_eprd") == sorted(
        [GESTIONNAIRE, terms.authority.email or ""]
    )
    relance = mails_of(simulator.catcher.caught, "relance_eprd")[0]
    text = " ".join(relance.text().split())
    assert "devait être transmis au plus tard le 20/05/2026" in text
    assert "CASF art. R. 314-210" in text
    # The EPRD of 2027 arrives early: none of its reminders goes out.
    await simulator.decide(handle, "submit_documents", SubmitDocuments("g", 2027, ["eprd"]))
    await simulator.advance_to(date(2027, 5, 2))
    assert [n for n in eprd_notices(simulator.log(terms.reference)) if n[0] >= "2027"] == []


async def test_an_ars_denonciation_returns_the_esms_to_the_contradictory_procedure(
    simulator: LifeSimulator,
) -> None:
    terms = contract(sector=Sector.ESMS_ARS, territory="44")
    handle = await simulator.start(terms, date(2026, 8, 31))
    result = await simulator.decide(
        handle, "denounce", Denounce("ars-pdl", DenonciationMode.MANQUEMENT, date(2026, 8, 31))
    )
    # Six months from 31 August: the last day of February, not the day before.
    assert result.message == "dénonciation enregistrée : fin du contrat le 28/02/2027"
    assert await handle.result() == "denoncee"
    resumed = events(simulator.log(terms.reference), "contradictory_procedure_resumed")
    assert [(e["at"], e["summary"]) for e in resumed] == [
        (
            "2026-08-31",
            "à la fin du contrat le 28/02/2027, retour à la procédure budgétaire contradictoire "
            "annuelle : propositions budgétaires de l'exercice 2028 au plus tard le 31/10/2027, "
            "compte administratif au plus tard le 30/04/2029",
        )
    ]
    ended = events(simulator.log(terms.reference), "contract_ended")
    assert [e["at"] for e in ended] == ["2027-03-01"]


async def test_a_contract_begun_under_law_2_adopts_law_3_and_its_eprd_ends_on_a_working_day(
    simulator: LifeSimulator,
) -> None:
    """Found by probing: 30 days from a notification on 5 November 2026 ended on Saturday 5
    December. The next run of a contract begun under law 2 adopts law 3 (patch
    `calendar-law-3`, one marker): the days end on Monday 7 December."""
    terms = contract(sector=Sector.ESMS_ARS, territory="44")
    handle = await simulator.start(terms, date(2026, 11, 5), calendar_law=2, imported=True)
    result = await simulator.decide(
        handle, "record_tarification", RecordTarification("ars-pdl", 2026, date(2026, 11, 5))
    )
    assert "EPRD 2026 à transmettre au plus tard le 07/12/2026" in result.message
    await simulator.advance_to(date(2026, 12, 9))
    agenda = (await handle.query("projection", result_type=ProjectionUpdate)).agenda or []
    [eprd] = [item for item in agenda if item.key == "eprd:2026"]
    assert eprd.day == date(2026, 12, 7)
    markers = [
        e.marker_recorded_event_attributes.details["patch-data"].payloads[0].data
        async for e in handle.fetch_history_events()
        if e.marker_recorded_event_attributes.marker_name == "core_patch"
    ]
    assert any(b"calendar-law-3" in data for data in markers)
