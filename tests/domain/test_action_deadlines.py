"""The actions of the objectives on their due dates: reminded to the gestionnaire before, followed
up with both parties the day after, until reported done or abandoned; an avenant that changes the
objectives brings their new dates."""

from dataclasses import replace
from datetime import date

import pytest

from cpom.domain import lifecycle as life
from cpom.domain.agenda import NoticeKind, Notify, plan
from cpom.domain.lifecycle import ContractState, DecisionRefused, Phase
from cpom.domain.live_agenda import live_agenda
from cpom.domain.terms import ActionDeadline
from cpom.domain.terms_input import contract_from_mapping
from cpom.domain.terms_validation import InvalidTerms
from tests.factories import make_terms

PLAN_QVT = ActionDeadline("5.1", "Former les intervenants", date(2026, 12, 31))
ASTREINTE = ActionDeadline("2.1", "Astreinte de nuit", date(2025, 6, 30))
AGENT = "agent@cd35.example"


def with_actions() -> ContractState:
    terms = replace(make_terms(), action_deadlines=(ASTREINTE, PLAN_QVT))
    return ContractState(terms, Phase.EXECUTION)


def reminders(state: ContractState) -> list[tuple[str, date, NoticeKind]]:
    return [
        (p.key, p.day, p.action.kind)
        for p in plan(state)
        if isinstance(p.action, Notify) and p.key.startswith("action:")
    ]


def test_each_action_is_reminded_before_its_due_date_and_followed_up_after() -> None:
    assert reminders(with_actions()) == [
        ("action:2.1:2025-06-30:rappel", date(2025, 5, 31), NoticeKind.ACTION_REMINDER),
        ("action:2.1:2025-06-30:relance", date(2025, 7, 1), NoticeKind.ACTION_OVERDUE),
        ("action:5.1:2026-12-31:rappel", date(2026, 12, 1), NoticeKind.ACTION_REMINDER),
        ("action:5.1:2026-12-31:relance", date(2027, 1, 1), NoticeKind.ACTION_OVERDUE),
    ]


def test_an_action_reported_done_is_no_longer_reminded_until_reported_under_way() -> None:
    state = with_actions()
    life.check_report_objectives(state, 2024, "synthese_fiches_objectifs", ["2.1"])
    life.apply_report_objectives(
        state, 2024, "synthese_fiches_objectifs", ["2.1"], [], date(2025, 4, 20), AGENT
    )
    assert [key for key, _, _ in reminders(state)] == [
        "action:5.1:2026-12-31:rappel",
        "action:5.1:2026-12-31:relance",
    ]
    assert state.submitted[2024] == ["synthese_fiches_objectifs"]
    assert state.events[-1].summary == (
        "déclaration de l'exercice 2024 sur les objectifs reçue ; actions réalisées ou "
        "abandonnées : 2.1"
    )
    item = next(
        i for i in live_agenda(state, date(2025, 4, 21)) if i.key == "action:2.1:2025-06-30"
    )
    assert (item.done_on, item.done_by, item.outcome) == (
        date(2025, 4, 20),
        AGENT,
        "déclarée réalisée",
    )
    assert item.label == "Échéance de l'action 2.1 : Astreinte de nuit"
    life.apply_report_objectives(state, 2025, None, [], ["2.1"], date(2026, 4, 20), AGENT)
    assert "action:2.1:2025-06-30:relance" in [key for key, _, _ in reminders(state)]
    item = next(
        i for i in live_agenda(state, date(2026, 4, 21)) if i.key == "action:2.1:2025-06-30"
    )
    assert item.done_on is None


def test_a_closed_action_without_its_report_in_the_log_still_shows_done() -> None:
    state = with_actions()
    state.closed_actions.append("5.1")
    item = next(i for i in live_agenda(state, date(2025, 1, 2)) if i.key.startswith("action:5.1"))
    assert item.done_on == PLAN_QVT.due


def test_a_report_about_an_action_without_a_due_date_is_refused() -> None:
    state = with_actions()
    with pytest.raises(DecisionRefused, match=r"actions sans échéance au contrat : 9\.9"):
        life.check_report_objectives(state, 2024, None, ["9.9"])
    with pytest.raises(DecisionRefused, match="n'est pas couvert par le contrat"):
        life.check_report_objectives(state, 2031, "synthese_fiches_objectifs", [])
    # The last exercise's report comes after the échéance: still received...
    state.phase = Phase.ECHUE
    life.check_report_objectives(state, 2028, "synthese_fiches_objectifs", [])
    life.check_report_objectives(state, 2028, None, [])
    # ...but not after an early end.
    state.termination = life.Termination(Phase.DENONCEE, date(2026, 3, 1), date(2026, 6, 1), "x")
    state.phase = Phase.DENONCEE
    with pytest.raises(DecisionRefused, match="le contrat est dénoncé"):
        life.check_report_objectives(state, 2025, None, [])
    with pytest.raises(DecisionRefused, match="le contrat est dénoncé"):
        life.check_submit_documents(state, 2025, ["rapport_activite"])


def test_an_avenant_with_new_objectives_brings_their_due_dates() -> None:
    state = with_actions()
    later = ActionDeadline("5.1", "Former les intervenants", date(2027, 6, 30))
    life.apply_sign_avenant(
        state, None, date(2026, 3, 2), "objectifs revus", date(2026, 3, 2), AGENT, (later,)
    )
    assert state.terms.action_deadlines == (later,)
    assert state.events[-1].details["objectives"] == "modifiés"
    assert [key for key, _, _ in reminders(state)] == [
        "action:5.1:2027-06-30:rappel",
        "action:5.1:2027-06-30:relance",
    ]


def test_the_terms_carry_the_due_dates_of_their_objectives_actions() -> None:
    terms, _ = contract_from_mapping(
        {
            "reference": "CPOM-35-SAD-2024",
            "effet": "2024-01-01",
            "duration_years": 5,
            "authority": {"kind": "departement", "name": "CD35", "territory": "35"},
            "objectives": [
                {
                    "id": "1",
                    "title": "Binômes",
                    "actions": [
                        {"id": "1.1", "title": "Binômes", "due": "2025-06-30"},
                        {"id": "1.2", "title": "Sans échéance"},
                    ],
                }
            ],
        }
    )
    assert terms.action_deadlines == (ActionDeadline("1.1", "Binômes", date(2025, 6, 30)),)


def test_the_reminder_comes_between_one_and_120_days_before() -> None:
    with pytest.raises(InvalidTerms, match="action_reminder_days"):
        contract_from_mapping(
            {
                "reference": "X",
                "effet": "2024-01-01",
                "duration_years": 5,
                "authority": {"kind": "departement", "name": "CD35", "territory": "35"},
                "rules": {"action_reminder_days": 0},
            }
        )
