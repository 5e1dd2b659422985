"""Objectives, actions and indicators: their trajectory, attainment and yearly review, and the
French refusal of objectives that do not fit their contract."""

from datetime import date
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cpom.domain.objectives import (
    Action,
    ActionProgress,
    ActionStatus,
    Attainment,
    Decision,
    Direction,
    Indicator,
    IndicatorValue,
    Objective,
    ObjectiveDecision,
    Target,
    YearlyReport,
    action_ids,
    attainment,
    indicator_ids,
    latest_statuses,
    latest_values,
    progress_share,
    report_item,
    review,
    target_for,
    trajectory,
)
from cpom.domain.objectives_validation import (
    decision_problems,
    objective_problems,
    report_problems,
)
from cpom.domain.presets import PRESETS
from cpom.domain.terms import Sector
from cpom.domain.terms_input import (
    contract_from_mapping,
    decisions_from_mapping,
    objectives_from_mapping,
    report_from_mapping,
)
from cpom.domain.terms_validation import InvalidTerms, Problem

ABSENTEEISM = Indicator(
    "5.1",
    "Taux d'absentéisme",
    "%",
    baseline=11.5,
    baseline_year=2023,
    targets=(Target(2026, 9.5),),
    final_target=8.0,
    direction=Direction.DOWN,
)
HOURS = Indicator("1.1", "Heures en binôme", "h", 1200, 2023, (Target(2026, 2000),), 2600)


def test_the_trajectory_runs_from_the_value_at_entry_through_the_targets_to_the_end() -> None:
    assert trajectory(ABSENTEEISM, 2028) == [
        Target(2023, 11.5),
        Target(2026, 9.5),
        Target(2028, 8.0),
    ]
    # A target set for the last year wins over the final target.
    both = Indicator("x", "x", targets=(Target(2028, 7.0),), final_target=8.0)
    assert trajectory(both, 2028) == [Target(2028, 7.0)]
    assert trajectory(Indicator("x", "x"), 2028) == []


def test_a_year_without_its_own_target_is_on_the_straight_line_between_known_points() -> None:
    assert target_for(HOURS, 2026, 2028) == 2000
    assert target_for(HOURS, 2028, 2028) == 2600
    assert target_for(HOURS, 2027, 2028) == 2300
    assert target_for(HOURS, 2024, 2028) == pytest.approx(1200 + 800 / 3)
    # Before the first known point, or with nothing known after: no target.
    assert target_for(HOURS, 2022, 2028) is None
    assert target_for(Indicator("x", "x", baseline=1, baseline_year=2023), 2025, 2028) is None


def test_attainment_follows_the_direction_the_indicator_should_move() -> None:
    assert attainment(ABSENTEEISM, 9.0, 9.5) is Attainment.REACHED
    assert attainment(ABSENTEEISM, 9.5, 9.5) is Attainment.REACHED
    assert attainment(ABSENTEEISM, 10.5, 9.5) is Attainment.PROGRESSING
    assert attainment(ABSENTEEISM, 12.0, 9.5) is Attainment.NOT_REACHED
    assert attainment(HOURS, 2100, 2000) is Attainment.REACHED
    assert attainment(HOURS, 1500, 2000) is Attainment.PROGRESSING
    assert attainment(HOURS, 1100, 2000) is Attainment.NOT_REACHED
    assert attainment(HOURS, None, 2000) is Attainment.UNKNOWN
    assert attainment(HOURS, 1500, None) is Attainment.UNKNOWN
    # Without a value at entry, short of the target is simply not reached.
    assert attainment(Indicator("x", "x"), 1, 2) is Attainment.NOT_REACHED


def test_progress_is_the_share_of_the_way_from_entry_to_target() -> None:
    assert progress_share(HOURS, 1600, 2000) == 0.5
    assert progress_share(HOURS, 2500, 2000) == 1.0
    assert progress_share(HOURS, 1000, 2000) == 0.0
    assert progress_share(ABSENTEEISM, 10.5, 9.5) == 0.5
    assert progress_share(HOURS, None, 2000) is None
    assert progress_share(HOURS, 1200, 1200) is None
    assert progress_share(Indicator("x", "x"), 1, 2) is None


@given(
    baseline=st.floats(-1e6, 1e6),
    target=st.floats(-1e6, 1e6),
    value=st.floats(-1e6, 1e6),
    down=st.booleans(),
)
def test_reached_exactly_when_the_value_is_on_the_good_side_of_the_target(
    baseline: float, target: float, value: float, down: bool
) -> None:
    direction = Direction.DOWN if down else Direction.UP
    indicator = Indicator("x", "x", baseline=baseline, baseline_year=2023, direction=direction)
    reached = attainment(indicator, value, target) is Attainment.REACHED
    assert reached == (value <= target if down else value >= target)
    share = progress_share(indicator, value, target)
    assert share is None or 0.0 <= share <= 1.0


@given(st.integers(2023, 2028), st.integers(2023, 2028))
def test_the_target_line_is_monotone_between_entry_and_end(first: int, second: int) -> None:
    line = Indicator("x", "x", baseline=10, baseline_year=2023, final_target=20)
    low, high = sorted((first, second))
    before, after = target_for(line, low, 2028), target_for(line, high, 2028)
    assert before is not None
    assert after is not None
    assert 10 <= before <= after <= 20


OBJECTIVES = (
    Objective(
        "1",
        "Binômes",
        actions=(Action("1.1", "Binômes", due=date(2025, 6, 30)),),
        indicators=(HOURS,),
    ),
    Objective("5", "Qualité de vie au travail", indicators=(ABSENTEEISM,)),
)
REPORTS = [
    YearlyReport(
        2025,
        (IndicatorValue("1.1", 1500), IndicatorValue("5.1", 10.0)),
        (ActionProgress("1.1", ActionStatus.IN_PROGRESS),),
    ),
    YearlyReport(
        2026,
        (IndicatorValue("1.1", 2100), IndicatorValue("5.1", None, "non mesuré")),
        (ActionProgress("1.1", ActionStatus.DONE),),
    ),
]


def test_the_review_of_a_year_measures_each_indicator_against_that_years_target() -> None:
    reviews = review(OBJECTIVES, REPORTS, 2026, 2028)
    hours, absenteeism = reviews[0].indicators[0], reviews[1].indicators[0]
    assert (hours.value, hours.target, hours.attainment) == (2100, 2000, Attainment.REACHED)
    assert (absenteeism.value, absenteeism.attainment) == (None, Attainment.UNKNOWN)
    assert reviews[0].reached == 1
    assert reviews[1].reached == 0
    assert reviews[0].actions_done == 1
    earlier = review(OBJECTIVES, REPORTS, 2025, 2028)
    assert earlier[0].actions[0][1] is ActionStatus.IN_PROGRESS
    assert earlier[0].indicators[0].attainment is Attainment.PROGRESSING
    # A year nobody reported on: every value unknown, no status.
    empty = review(OBJECTIVES, REPORTS, 2024, 2028)
    assert empty[0].indicators[0].attainment is Attainment.UNKNOWN
    assert empty[0].actions[0][1] is None


def test_the_latest_value_of_each_indicator_skips_the_years_it_was_not_reported() -> None:
    assert latest_values(REPORTS, 2026) == {"1.1": (2026, 2100), "5.1": (2025, 10.0)}
    assert latest_values(REPORTS, 2025) == {"1.1": (2025, 1500), "5.1": (2025, 10.0)}


def test_the_ids_of_every_indicator_and_action() -> None:
    assert indicator_ids(OBJECTIVES) == {"1.1", "5.1"}
    assert action_ids(OBJECTIVES) == {"1.1"}


def test_objectives_that_fit_their_contract_pass() -> None:
    raw = {
        **BASE,
        "objectives": [
            {
                "id": "1",
                "title": "Binômes",
                "establishments": ["350001251"],
                "actions": [{"id": "1.1", "title": "a", "due": "2025-06-30"}],
                "indicators": [
                    {
                        "id": "1.1",
                        "label": "Heures",
                        "baseline": 1200,
                        "baseline_year": 2023,
                        "targets": [{"year": 2026, "value": 2000}],
                    }
                ],
            }
        ],
    }
    _, objectives = contract_from_mapping(raw)
    assert objectives[0].indicators[0].targets == (Target(2026, 2000.0),)


def test_the_report_is_the_annual_document_each_sector_names() -> None:
    assert report_item(("synthese_fiches_objectifs", "rapport_activite")) == (
        "synthese_fiches_objectifs"
    )
    assert report_item(("compte_administratif", "bilan_etape", "indicateurs")) == "indicateurs"
    assert report_item(("errd", "rapport_activite")) is None
    # The ESMS model's indicators are those of the tableau de bord de la performance: the report
    # is that document, reminded and relanced with the ERRD (it was reminded by nothing).
    esms = PRESETS[Sector.ESMS_ARS].rules.annual_document_items
    assert report_item(esms) == "indicateurs_tableau_de_bord"


BASE: dict[str, Any] = {
    "reference": "CPOM-35-SAD-2024",
    "preset": "sad",
    "effet": "2024-01-01",
    "duration_years": 5,
    "authority": {"kind": "departement", "name": "CD35", "territory": "35"},
    "establishments": [{"finess": "350001251", "name": "SAD Rennes"}],
}


def fields_of(error: pytest.ExceptionInfo[InvalidTerms]) -> dict[str, str]:
    return {problem.field: problem.message for problem in error.value.problems}


def test_objectives_that_do_not_fit_the_contract_are_refused_each_in_french() -> None:
    raw = {
        **BASE,
        "objectives": [
            {
                "id": "1",
                "title": " ",
                "establishments": ["350001269"],
                "amount_granted": -5,
                "actions": [
                    {"id": "1.1", "title": "a", "due": "2031-01-01"},
                    {"id": "1.1", "title": "b"},
                ],
                "indicators": [
                    {"id": "", "label": "x"},
                    {
                        "id": "i",
                        "label": "y" * 301,
                        "baseline": 3,
                        "baseline_year": 2010,
                        "targets": [{"year": 2030, "value": 1}, {"year": 2030, "value": 2}],
                    },
                    {
                        "id": "j",
                        "label": "z",
                        "baseline": 3,
                        "baseline_year": 2025,
                        "targets": [{"year": 2025, "value": 1}],
                    },
                ],
            },
            {"id": "1", "title": "doublon"},
            {"id": "x" * 21, "title": "trop long"},
        ],
    }
    with pytest.raises(InvalidTerms) as error:
        contract_from_mapping(raw)
    problems = fields_of(error)
    assert problems["objectives[0].title"] == "l'intitulé est vide"
    assert (
        "n'est pas au périmètre du contrat (350001251)" in problems["objectives[0].establishments"]
    )
    assert problems["objectives[0].amount_granted"] == "le montant ne peut être négatif"
    assert "hors de la durée du contrat" in problems["objectives[0].actions[0].due"]
    assert problems["objectives[0].actions[1].id"] == "l'action « 1.1 » figure deux fois au contrat"
    assert "identifiant de 1 à 20" in problems["objectives[0].indicators[0].id"]
    assert "300 caractères au plus" in problems["objectives[0].indicators[1].label"]
    assert "hors de la période 2019–2029" in problems["objectives[0].indicators[1].baseline_year"]
    assert (
        "hors de la durée du contrat (2024–2029)"
        in problems["objectives[0].indicators[1].targets[0].year"]
    )
    assert problems["objectives[0].indicators[1].targets"] == "une seule cible par année"
    assert (
        "doit suivre l'année de la valeur d'entrée (2025)"
        in problems["objectives[0].indicators[2].targets[0].year"]
    )
    assert problems["objectives[1].id"] == "l'objectif « 1 » figure deux fois au contrat"
    assert "identifiant de 1 à 20" in problems["objectives[2].id"]


def test_text_built_without_the_reader_still_refuses_the_nul_character() -> None:
    terms, _ = contract_from_mapping(BASE)
    nul = Objective(
        "1",
        "t",
        axis="\x00",
        actions=(Action("a", "t", owner="\x00"),),
        indicators=(Indicator("i", "t", unit="\x00"),),
    )
    assert {p.field for p in objective_problems((nul,), terms)} == {
        "objectives[0].axis",
        "objectives[0].actions[0].owner",
        "objectives[0].indicators[0].unit",
    }
    with pytest.raises(InvalidTerms) as error:
        contract_from_mapping({**BASE, "objectives": [{"id": "1", "title": "\x00"}]})
    assert "caractère nul" in fields_of(error)["objectives[0].title"]


def test_an_indicator_without_the_year_of_its_value_at_entry_is_refused() -> None:
    raw = {
        **BASE,
        "objectives": [
            {"id": "1", "title": "t", "indicators": [{"id": "i", "label": "x", "baseline": 3}]}
        ],
    }
    with pytest.raises(InvalidTerms) as error:
        contract_from_mapping(raw)
    assert fields_of(error) == {
        "objectives[0].indicators[0].baseline_year": "la valeur d'entrée va avec son année de "
        "référence"
    }


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (True, "n'est pas un nombre"),
        (float("nan"), "n'est pas un nombre"),
        (float("inf"), "hors de la plage admise"),
        ("12", "n'est pas un nombre"),
    ],
)
def test_a_number_is_a_finite_number(value: object, message: str) -> None:
    raw = {**BASE, "objectives": [{"id": "1", "title": "t", "amount_granted": value}]}
    with pytest.raises(InvalidTerms) as error:
        contract_from_mapping(raw)
    assert message in fields_of(error)["objectives[0].amount_granted"]


def test_objectives_must_be_a_list_of_objects() -> None:
    terms, _ = contract_from_mapping(BASE)
    with pytest.raises(InvalidTerms) as error:
        objectives_from_mapping({"objectives": {"id": "1"}}, terms)
    assert fields_of(error) == {"objectives": "attendu une liste"}
    with pytest.raises(InvalidTerms) as error:
        objectives_from_mapping({"objectives": ["1"]}, terms)
    assert fields_of(error)["objectives[0]"] == "attendu un objet (clé : valeur)"
    with pytest.raises(InvalidTerms) as error:
        objectives_from_mapping({"objectives": [{"title": "t"}]}, terms)
    assert fields_of(error) == {"objectives[0].id": "champ obligatoire manquant"}
    assert objectives_from_mapping({}, terms) == ()


def test_a_report_and_decisions_are_read_with_every_problem_named() -> None:
    report = report_from_mapping(
        2025,
        {
            "values": [{"indicator_id": "1.1", "value": 3}, {"indicator_id": "1.2", "value": None}],
            "actions": [{"action_id": "1.1", "status": "en_cours", "comment": "à mi-chemin"}],
        },
    )
    assert report.values[1].value is None
    assert report.actions[0].comment == "à mi-chemin"
    with pytest.raises(InvalidTerms) as error:
        report_from_mapping(2025, {"values": "tout", "autre": 1})
    assert set(fields_of(error)) == {"values", "autre"}
    decisions = decisions_from_mapping(
        [{"objective_id": "1", "decision": "ajuste", "reasons": "cible revue"}]
    )
    assert decisions[0].decision is Decision.ADJUSTED
    with pytest.raises(InvalidTerms) as error:
        decisions_from_mapping([{"objective_id": "1", "decision": "abandonne", "reasons": " "}])
    assert "pour des motifs" in fields_of(error)["objective_decisions[0].reasons"]


def test_a_report_fits_its_contract_when_its_exercise_has_begun_and_its_ids_exist() -> None:
    report = REPORTS[0]
    assert report_problems(report, OBJECTIVES, 2024, 2028, date(2026, 4, 20)) == []
    # The exercise in course may be reported, not one to come.
    assert report_problems(report, OBJECTIVES, 2024, 2028, date(2025, 1, 2)) == []
    assert report_problems(report, OBJECTIVES, 2024, 2028, date(2024, 12, 31)) == [
        Problem("exercise", "l'exercice 2025 n'est pas encore commencé")
    ]


def test_a_report_is_refused_for_each_unknown_id_and_an_exercise_beyond_the_contract() -> None:
    report = YearlyReport(
        2029,
        (IndicatorValue("1.1", 1), IndicatorValue("9.9", 1)),
        (ActionProgress("1.1", ActionStatus.DONE), ActionProgress("7.7", ActionStatus.DONE)),
    )
    assert report_problems(report, OBJECTIVES, 2024, 2028, date(2030, 4, 1)) == [
        Problem("values", "indicateur inconnu « 9.9 »"),
        Problem("actions", "action inconnue « 7.7 »"),
        Problem("exercise", "l'exercice 2029 n'est pas couvert par le contrat (2024 à 2028)"),
    ]
    # Found by probing: an exercise long past was said « ni commencé », one far to come was
    # refused twice over.
    for exercise in (2010, 2040):
        outside = YearlyReport(exercise, (IndicatorValue("1.1", 1),))
        assert report_problems(outside, OBJECTIVES, 2024, 2028, date(2025, 1, 1)) == [
            Problem(
                "exercise", f"l'exercice {exercise} n'est pas couvert par le contrat (2024 à 2028)"
            )
        ]


def test_a_report_says_something_and_each_thing_once() -> None:
    """Found by probing: an empty report replaced the exercise's and counted as its annual
    document; an indicator or an action given twice was recorded twice."""
    day = date(2025, 4, 20)
    assert report_problems(YearlyReport(2024), OBJECTIVES, 2024, 2028, day) == [
        Problem("values", "le bilan ne renseigne aucun indicateur ni action")
    ]
    twice = YearlyReport(
        2024,
        (IndicatorValue("1.1", 1), IndicatorValue("1.1", 2)),
        (ActionProgress("1.1", ActionStatus.DONE), ActionProgress("1.1", ActionStatus.DONE)),
    )
    assert report_problems(twice, OBJECTIVES, 2024, 2028, day) == [
        Problem("values", "l'indicateur « 1.1 » est renseigné deux fois"),
        Problem("actions", "l'action « 1.1 » est renseignée deux fois"),
    ]


def test_decisions_name_objectives_of_the_contract() -> None:
    kept = ObjectiveDecision("1", Decision.MAINTAINED)
    assert decision_problems([kept], OBJECTIVES) == []
    unknown = [kept, ObjectiveDecision("4", Decision.ABANDONED, "hors budget")]
    assert decision_problems(unknown, OBJECTIVES) == [
        Problem("objective_decisions", "objectif inconnu 4 (1, 5)")
    ]
    assert decision_problems([kept], ()) == [
        Problem(
            "objective_decisions", "objectif inconnu 1 (aucun objectif n'est inscrit au contrat)"
        )
    ]


def test_the_terms_state_where_an_action_stands_until_a_report_says_otherwise() -> None:
    raw = {
        **BASE,
        "objectives": [
            {
                "id": "1",
                "title": "Binômes",
                "actions": [
                    {"id": "1.1", "title": "Recruter", "due": "2025-06-30", "status": "en_cours"},
                    {"id": "1.2", "title": "Former", "due": "2025-12-31", "status": "realisee"},
                    {"id": "1.3", "title": "Équiper", "due": "2026-03-31"},
                ],
            }
        ],
    }
    terms, objectives = contract_from_mapping(raw)
    # An action done before the objectives were adopted is not reminded.
    assert [d.id for d in terms.action_deadlines] == ["1.1", "1.3"]
    assert latest_statuses([], 2025, objectives) == {
        "1.1": ActionStatus.IN_PROGRESS,
        "1.2": ActionStatus.DONE,
    }
    report = YearlyReport(2025, (), (ActionProgress("1.1", ActionStatus.DONE),))
    assert latest_statuses([report], 2025, objectives)["1.1"] is ActionStatus.DONE
    [reviewed] = review(objectives, [], 2025, 2028)
    assert [status for _, status in reviewed.actions] == [
        ActionStatus.IN_PROGRESS,
        ActionStatus.DONE,
        None,
    ]
    with pytest.raises(InvalidTerms) as error:
        contract_from_mapping(
            {
                **raw,
                "objectives": [
                    {
                        "id": "1",
                        "title": "t",
                        "actions": [{"id": "1.1", "title": "a", "status": "finie"}],
                    }
                ],
            }
        )
    assert "valeurs possibles : non_engagee" in fields_of(error)["objectives[0].actions[0].status"]
