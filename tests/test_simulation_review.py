"""The review that ends a simulation: the last exercise reported, in French."""

from datetime import date

from cpom.domain.objectives import (
    Action,
    ActionProgress,
    ActionStatus,
    Direction,
    Indicator,
    IndicatorValue,
    Objective,
    Target,
    YearlyReport,
)
from cpom.simulation_review import counted, review_entries

ON = date(2029, 5, 16)
HOURS = Indicator("1.1", "Heures en binôme", "heures", 1200, 2023, (Target(2026, 2000),), 2600)
ABSENTEEISM = Indicator(
    "5.1", "Taux d'absentéisme", "%", 11.5, 2023, (), 8.0, direction=Direction.DOWN
)
OBJECTIVES = (
    Objective("1", "Binômes", actions=(Action("1.1", "Binômes"),), indicators=(HOURS,)),
    Objective("5", "Qualité de vie au travail", indicators=(ABSENTEEISM,)),
)


def plain(text: str) -> str:
    return text.replace("\u00a0", " ").replace("\u202f", " ")  # no-break spaces, as typed


def test_a_value_not_reported_in_the_last_exercise_shows_the_latest_with_its_year() -> None:
    reports = [
        YearlyReport(2025, (IndicatorValue("5.1", 10.25),)),
        YearlyReport(
            2026,
            (IndicatorValue("1.1", 1234.5), IndicatorValue("5.1", None, "non mesuré")),
            (ActionProgress("1.1", ActionStatus.IN_PROGRESS),),
        ),
    ]
    head, binomes, qvt = review_entries(OBJECTIVES, reports, 2028, ON)
    assert (head["at"], head["exercise"]) == ("2029-05-16", 2026)
    assert "déclaré\u00a0:" in head["summary"]  # French typography: a no-break space before « : »
    assert plain(head["summary"]) == (
        "Revue des objectifs de l'exercice 2026, le dernier déclaré : "
        "aucun indicateur atteint sur 2, aucune action réalisée sur 1"
    )
    assert plain(binomes["indicators"][0]["summary"]) == (
        "Heures en binôme (1.1) : 1 234,5 heures en 2026 ; cible 2026 : 2 000 heures "
        "— en progression"
    )
    assert binomes["actions"] == [{"action_id": "1.1", "title": "Binômes", "status": "en cours"}]
    measured = qvt["indicators"][0]
    assert (measured["value"], measured["value_exercise"], measured["attainment"]) == (
        10.25,
        2025,
        "non_renseigne",
    )
    # 2026 lies on the line from 11,5 % in 2023 to 8 % in 2028.
    assert plain(measured["summary"]) == (
        "Taux d'absentéisme (5.1) : non déclaré pour 2026, dernière valeur 10,25 % en 2025 ; "
        "cible 2026 : 9,4 % au plus — non renseigné"
    )
    assert (
        plain(qvt["summary"])
        == "Objectif 5 — Qualité de vie au travail : aucun indicateur atteint sur 1"
    )


def test_without_objectives_nothing_and_without_reports_a_word() -> None:
    assert review_entries((), [YearlyReport(2025)], 2028, ON) == []
    [only] = review_entries(OBJECTIVES, [], 2028, ON)
    assert plain(only["summary"]) == "Revue des objectifs : aucun exercice n'a été déclaré"


def test_counts_agree_in_french() -> None:
    assert counted(0, "indicateur atteint", "aucun") == "aucun indicateur atteint"
    assert counted(1, "action réalisée", "aucune") == "1 action réalisée"
    assert counted(3, "action réalisée", "aucune") == "3 actions réalisées"
