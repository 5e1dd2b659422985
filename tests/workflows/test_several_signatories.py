"""A joint CPOM signed by an ARS and a Département (examples/ars-departement-esms-2025.toml),
lived on the time-skipping server with real mail: both authorities receive the notices; the
gestionnaire's request for a prorogation waits for the accord of both, the silence of the one
still awaited being its accord; a refusal by either opens the renegotiation for all."""

import tomllib
from datetime import date
from pathlib import Path

from cpom.domain.lifecycle import Party
from cpom.domain.terms import ContractTerms
from cpom.domain.terms_input import terms_from_mapping
from cpom.messages import AnswerProrogation, RequestProrogation
from cpom.simulation import LifeSimulator
from tests.workflows.helpers import addressees, events, mails_of

EXAMPLE = Path(__file__).parents[2] / "examples" / "ars-departement-esms-2025.toml"
ARS = "ars-bretagne-cpom@ars.example"
CD35 = "cpom@ille-et-vilaine.example"
GESTIONNAIRE = "direction@age-et-vie.example"


def joint() -> ContractTerms:
    return terms_from_mapping(tomllib.loads(EXAMPLE.read_text(encoding="utf-8")))


async def test_the_prorogation_waits_for_both_authorities_then_silence_is_accord(
    simulator: LifeSimulator,
) -> None:
    terms = joint()
    handle = await simulator.start(terms, date(2028, 9, 1))
    await simulator.advance_to(date(2028, 10, 2))
    await simulator.decide(
        handle,
        "request_prorogation",
        RequestProrogation("agent-ars", Party.GESTIONNAIRE, date(2028, 10, 2)),
    )
    await simulator.advance_to(date(2028, 10, 10))
    result = await simulator.decide(
        handle,
        "answer_prorogation",
        AnswerProrogation("agent-ars", True, date(2028, 10, 10), authority="ars"),
    )
    assert result.message.startswith("accord enregistré ; la prorogation attend")
    await simulator.advance_to(date(2028, 10, 11))
    log = simulator.log(terms.reference)
    assert not events(log, "prorogation_accepted")
    [partial] = events(log, "prorogation_accepted_by_signatory")
    assert partial["authority"] == "ars"
    # One message for the authorities, one for the gestionnaire: each reads what it must do.
    received = mails_of(simulator.catcher.caught, "demande_de_prorogation_recue")
    assert sorted(sorted(m.envelope_to) for m in received) == [
        sorted([ARS, CD35]),
        [GESTIONNAIRE],
    ]
    view = await simulator.view(handle)
    assert view.phase.value == "prorogation_en_cours"
    # 02/12/2028 is a Saturday: the window ends on Monday 04/12; silence is accord on the 5th.
    await simulator.advance_to(date(2028, 12, 6))
    accepted = events(simulator.log(terms.reference), "prorogation_accepted")
    assert [(e["at"], e["tacit"], e["new_echeance"]) for e in accepted] == [
        ("2028-12-05", "true", "2030-12-31")
    ]
    caught = simulator.catcher.caught
    assert addressees(caught, "prorogation_acceptee") == sorted([ARS, CD35, GESTIONNAIRE])


async def test_the_refusal_of_the_co_signing_authority_opens_the_renegotiation(
    simulator: LifeSimulator,
) -> None:
    terms = joint()
    handle = await simulator.start(terms, date(2028, 9, 1))
    await simulator.advance_to(date(2028, 10, 2))
    await simulator.decide(
        handle,
        "request_prorogation",
        RequestProrogation("agent-ars", Party.GESTIONNAIRE, date(2028, 10, 2)),
    )
    await simulator.decide(
        handle,
        "answer_prorogation",
        AnswerProrogation("agent-ars", True, date(2028, 10, 2), authority="ars"),
    )
    await simulator.advance_to(date(2028, 10, 20))
    await simulator.decide(
        handle,
        "answer_prorogation",
        AnswerProrogation("agent-cd35", False, date(2028, 10, 19), authority="cd35"),
    )
    await simulator.advance_to(date(2028, 10, 21))
    log = simulator.log(terms.reference)
    [refused] = events(log, "prorogation_refused")
    assert refused["authority"] == "cd35"
    assert events(log, "renegotiation_opened")
    assert not events(log, "prorogation_accepted")


async def test_one_authoritys_notice_waits_for_the_gestionnaire_and_the_other_authority(
    simulator: LifeSimulator,
) -> None:
    terms = joint()
    handle = await simulator.start(terms, date(2028, 9, 1))
    await simulator.advance_to(date(2028, 10, 2))
    await simulator.decide(
        handle,
        "request_prorogation",
        RequestProrogation("agent-ars", Party.AUTORITE, date(2028, 10, 2), authority="ars"),
    )
    await simulator.advance_to(date(2028, 10, 10))
    result = await simulator.decide(
        handle,
        "answer_prorogation",
        AnswerProrogation("sad", True, date(2028, 10, 10), answered_by=Party.GESTIONNAIRE),
    )
    # The gestionnaire's accord alone prorogued it before: the Département had not agreed.
    assert result.message.startswith("accord enregistré ; la prorogation attend")
    await simulator.advance_to(date(2028, 10, 11))
    assert (await simulator.view(handle)).phase.value == "prorogation_en_cours"
    assert not events(simulator.log(terms.reference), "prorogation_accepted")
    await simulator.decide(
        handle,
        "answer_prorogation",
        AnswerProrogation("agent-cd35", True, date(2028, 10, 11), authority="cd35"),
    )
    await simulator.advance_to(date(2028, 10, 12))
    [accepted] = events(simulator.log(terms.reference), "prorogation_accepted")
    assert (accepted["tacit"], accepted["new_echeance"]) == ("false", "2030-12-31")
