"""The yearly objectives review exported for the dialogue de gestion, as XLSX and as PDF."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import date, datetime

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet
from pypdf import PdfReader
from stdnum import luhn

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
from cpom.domain.terms import Establishment
from cpom.french_numbers import french_number
from cpom.objectives_review_export import (
    HEADER_ROW,
    NO_OBJECTIVE,
    ReviewInput,
    review_pdf,
    review_xlsx,
    sheet_names,
)


def finess(number: int) -> str:
    base = f"350{number:05d}"
    return base + luhn.calc_check_digit(base)


RENNES = Establishment(finess(1), "SAAD Rennes [centre]/Nord : l'aide à domicile de la métropole")
VITRE = Establishment(finess(2), "SAAD Vitré")
FOUGERES = Establishment(finess(3), "SAAD Fougères")

OCCUPANCY = Indicator(
    "taux-occupation",
    "Taux d'occupation",
    unit="%",
    baseline=80.0,
    baseline_year=2023,
    targets=(Target(2026, 90.0),),
    final_target=95.0,
    tdb_code="TDB-1.2",
    definition="Journées réalisées rapportées aux journées théoriques",
)
DELAY = Indicator(
    "delai",
    "Délai de première intervention",
    unit="jours",
    baseline=12.0,
    baseline_year=2023,
    targets=(Target(2026, 6.0),),
    final_target=5.0,
    direction=Direction.DOWN,
)
TRAINED = Indicator(
    "formes", "Intervenants formés", baseline=1200, baseline_year=2023, final_target=2000
)

COMMON = Objective(
    "obj-1",
    "Améliorer la qualité de l'accompagnement à domicile",
    axis="Qualité",
    indicators=(OCCUPANCY, DELAY),
    actions=(
        Action("act-1", "Déployer le plan de formation", owner="Direction", due=date(2026, 6, 30)),
        Action("act-2", "Réviser le projet de service", owner="Qualité", due=date(2027, 3, 31)),
    ),
)
RENNES_ONLY = Objective(
    "obj-2",
    "Renforcer les interventions de nuit à Rennes (budget 15 000 €)",
    establishments=(RENNES.finess,),
    indicators=(TRAINED,),
)
VITRE_ONLY = Objective("obj-3", "Ouvrir une antenne à Vitré", establishments=(VITRE.finess,))

REPORTS = (
    YearlyReport(2025, actions=(ActionProgress("act-1", ActionStatus.IN_PROGRESS),)),
    YearlyReport(
        2026,
        values=(
            IndicatorValue("taux-occupation", 92.0),
            IndicatorValue("delai", 9.0),
            IndicatorValue("formes", 1650.5),
        ),
        actions=(ActionProgress("act-1", ActionStatus.DONE),),
    ),
)

DATA = ReviewInput(
    reference="CPOM-35-SAD-2024",
    gestionnaire="Association Aide & Domicile 35",
    authorities=("Département d'Ille-et-Vilaine", "ARS Bretagne"),
    establishments=(RENNES, VITRE, FOUGERES),
    objectives=(COMMON, RENNES_ONLY, VITRE_ONLY),
    reports=REPORTS,
    year=2026,
    first_year=2024,
    last_year=2028,
)


def workbook_of(data: ReviewInput) -> dict[str, Worksheet]:
    workbook = load_workbook(io.BytesIO(review_xlsx(data)))
    return {sheet.title: sheet for sheet in workbook.worksheets}


def table(sheet: Worksheet) -> list[dict[str, object]]:
    """The sheet's table as rows by header."""
    rows = list(sheet.iter_rows(min_row=HEADER_ROW, values_only=True))
    headers = [str(cell) for cell in rows[0]]
    return [dict(zip(headers, row, strict=True)) for row in rows[1:]]


def pdf_text(data: ReviewInput) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(review_pdf(data)))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


def test_the_workbook_has_the_synthesis_then_a_sheet_per_establishment() -> None:
    sheets = workbook_of(DATA)

    assert list(sheets) == ["Synthèse", sheet_names((RENNES,))[0], "SAAD Vitré", "SAAD Fougères"]
    synthesis = sheets["Synthèse"]
    assert synthesis["A1"].value == "Revue annuelle des objectifs — exercice 2026"
    assert "CPOM-35-SAD-2024" in str(synthesis["A2"].value)
    assert "ARS Bretagne" in str(synthesis["A2"].value)
    assert synthesis["A3"].value == "Ensemble du périmètre"
    assert (
        sheets["SAAD Vitré"]["A3"].value == f"Établissement\u00a0: SAAD Vitré — FINESS {finess(2)}"
    )


def test_the_header_is_bold_frozen_and_names_the_exercise() -> None:
    sheet = workbook_of(DATA)["Synthèse"]

    header = [cell.value for cell in sheet[HEADER_ROW]]
    assert header == [
        "Objectif",
        "Axe",
        "Établissements concernés",
        "Type",
        "Indicateur ou action",
        "Définition",
        "Unité",
        "Valeur d'entrée",
        "Année de la valeur d'entrée",
        "Cible 2026",
        "Valeur 2026",
        "Atteinte",
        "Progression",
        "Cible finale",
        "Code tableau de bord",
        "Porteur",
        "Échéance",
        "Statut",
    ]
    assert all(cell.font.bold for cell in sheet[HEADER_ROW])
    assert sheet.freeze_panes == f"A{HEADER_ROW + 1}"
    assert sheet.column_dimensions["A"].width == 40
    # Rows are as tall as their wrapped text: the Rennes objective's scope takes three lines.
    assert sheet.row_dimensions[HEADER_ROW + 1].height == 30
    assert sheet.row_dimensions[HEADER_ROW + 5].height == 45
    assert sheet.auto_filter.ref == f"A{HEADER_ROW}:R{HEADER_ROW + 6}"


def test_the_synthesis_lists_every_objective_with_its_indicators_then_its_actions() -> None:
    rows = table(workbook_of(DATA)["Synthèse"])

    assert [(row["Objectif"], row["Type"], row["Indicateur ou action"]) for row in rows] == [
        (COMMON.title, "Indicateur", "Taux d'occupation"),
        (COMMON.title, "Indicateur", "Délai de première intervention"),
        (COMMON.title, "Action", "Déployer le plan de formation"),
        (COMMON.title, "Action", "Réviser le projet de service"),
        (RENNES_ONLY.title, "Indicateur", "Intervenants formés"),
        (VITRE_ONLY.title, None, "Cet objectif n'a ni indicateur ni action."),
    ]
    assert rows[0]["Établissements concernés"] == "tous (objectif commun)"
    assert rows[4]["Établissements concernés"] == RENNES.name


def test_indicator_rows_carry_numbers_attainment_and_progress() -> None:
    sheet = workbook_of(DATA)["Synthèse"]
    rows = table(sheet)
    occupancy, delay, trained = rows[0], rows[1], rows[4]

    assert occupancy["Valeur d'entrée"] == 80
    assert occupancy["Année de la valeur d'entrée"] == 2023
    assert occupancy["Cible 2026"] == 90
    assert occupancy["Valeur 2026"] == 92
    assert occupancy["Atteinte"] == "atteint"
    assert occupancy["Progression"] == 1.0
    assert occupancy["Cible finale"] == 95
    assert occupancy["Code tableau de bord"] == "TDB-1.2"
    assert occupancy["Unité"] == "%"
    assert occupancy["Définition"] == "Journées réalisées rapportées aux journées théoriques"
    # Down is better for a delay: 9 days against 6, from 12, is progress, half the way.
    assert delay["Atteinte"] == "en progression"
    assert delay["Progression"] == pytest.approx(0.5)
    # No target of 2026: the straight line from 1 200 in 2023 to 2 000 in 2028 (1 680).
    assert trained["Cible 2026"] == pytest.approx(1680)
    assert trained["Atteinte"] == "en progression"
    assert trained["Code tableau de bord"] is None

    values = sheet.cell(row=HEADER_ROW + 1, column=8)
    assert isinstance(values.value, int | float)
    assert values.number_format == "#,##0"
    assert sheet.cell(row=HEADER_ROW + 5, column=11).number_format == "#,##0.0#"
    assert sheet.cell(row=HEADER_ROW + 1, column=9).number_format == "0"
    assert "%" in sheet.cell(row=HEADER_ROW + 1, column=13).number_format


def test_action_rows_carry_owner_due_date_and_latest_status() -> None:
    sheet = workbook_of(DATA)["Synthèse"]
    rows = table(sheet)
    training, project = rows[2], rows[3]

    assert training["Porteur"] == "Direction"
    due = training["Échéance"]
    assert isinstance(due, datetime)
    assert due.date() == date(2026, 6, 30)
    assert sheet.cell(row=HEADER_ROW + 3, column=17).number_format == "DD/MM/YYYY"
    assert training["Statut"] == "réalisée"
    assert project["Statut"] == "non renseigné"
    assert training["Atteinte"] is None


def test_the_status_is_the_latest_reported_up_to_the_exercise() -> None:
    rows = table(workbook_of(replace(DATA, year=2025))["Synthèse"])

    assert rows[2]["Statut"] == "en cours"
    assert rows[0]["Valeur 2025"] is None
    assert rows[0]["Atteinte"] == "non renseigné"


def test_an_establishment_sheet_has_its_own_objectives_and_the_common_ones() -> None:
    sheets = workbook_of(DATA)
    rennes, vitre, fougeres = (table(sheets[name]) for name in list(sheets)[1:])

    def objectives(rows: list[dict[str, object]]) -> list[object]:
        return list(dict.fromkeys(row["Objectif"] for row in rows))

    assert objectives(rennes) == [COMMON.title, RENNES_ONLY.title]
    assert objectives(vitre) == [COMMON.title, VITRE_ONLY.title]
    assert objectives(fougeres) == [COMMON.title]
    assert [row["Atteinte"] for row in fougeres[:2]] == ["atteint", "en progression"]


def test_an_establishment_concerned_by_no_objective_says_so() -> None:
    sheets = workbook_of(replace(DATA, objectives=(RENNES_ONLY,)))

    assert sheets["SAAD Vitré"].cell(row=HEADER_ROW + 1, column=1).value == (
        "Aucun objectif du contrat ne concerne cet établissement."
    )


def test_sheet_names_are_valid_for_excel_and_distinct() -> None:
    names = sheet_names(
        (
            RENNES,
            Establishment(finess(4), "SAAD Rennes [centre]/Nord : l'aide à domicile de Cesson"),
            Establishment(finess(5), "synthèse"),
            Establishment(finess(6), "*?"),
            Establishment(finess(7), "'Les Pins'"),
            # Cut at 31 characters, a name would end with an apostrophe, or a space.
            Establishment(finess(8), "SAAD de la Roche-aux-Fées et d'Ille"),
            Establishment(finess(9), "SSIAD du Pays de Saint-Malo et d'Erquy"),
        )
    )

    assert names == [
        "SAAD Rennes centreNord l'aide à",
        "SAAD Rennes centreNord l'ai (2)",
        "synthèse (2)",
        finess(6),
        "Les Pins",
        "SAAD de la Roche-aux-Fées et d",
        "SSIAD du Pays de Saint-Malo et",
    ]
    assert all(len(name) <= 31 and not re.search(r"[\[\]:*?/\\]", name) for name in names)
    workbook = workbook_of(replace(DATA, establishments=(RENNES, RENNES)))
    assert list(workbook) == ["Synthèse", names[0], "SAAD Rennes centreNord l'ai (2)"]


def test_text_typed_by_people_is_never_a_formula_nor_a_broken_file() -> None:
    hostile = Objective(
        "obj-x",
        '=HYPERLINK("http://example.org";"clic")\x00\x07 titre',
        actions=(Action("act-x", "+appel\ud800", owner="@moi"),),
    )
    sheet = workbook_of(replace(DATA, objectives=(hostile,)))["Synthèse"]
    rows = table(sheet)

    assert rows[0]["Objectif"] == '=HYPERLINK("http://example.org";"clic") titre'
    assert sheet.cell(row=HEADER_ROW + 1, column=1).data_type == "s"
    assert rows[0]["Indicateur ou action"] == "+appel?"


def test_without_objectives_both_files_say_so() -> None:
    data = replace(DATA, objectives=())

    sheets = workbook_of(data)
    assert all(
        sheet.cell(row=HEADER_ROW + 1, column=1).value == NO_OBJECTIVE for sheet in sheets.values()
    )
    pages, text = pdf_text(data)
    assert pages == 1
    assert "Aucun objectif n'est inscrit au contrat." in text


def test_the_pdf_names_the_review_the_contract_and_the_attainment() -> None:
    pages, text = pdf_text(DATA)

    assert "Revue annuelle des objectifs — exercice 2026" in text
    assert "CPOM-35-SAD-2024" in text
    assert "Association Aide & Domicile 35" in text
    assert "Département d'Ille-et-Vilaine, ARS Bretagne" in text
    assert "Améliorer la qualité de l'accompagnement à domicile" in text
    assert "15 000 €" in text
    assert "en progression" in text
    assert "non renseigné" in text
    assert "30/06/2026" in text
    assert "1 indicateur atteint sur 2 — 1 action réalisée sur 2" in text.replace("\xa0", " ")
    assert "0 indicateur atteint sur 1" in text
    assert f"FINESS {finess(3)}" in text
    # The overall table, then one section per establishment, each on its own page.
    assert pages == 4
    assert [f"page {n} / {pages}" in text for n in range(1, pages + 1)] == [True] * pages


def test_the_pdf_counts_what_each_objective_reached() -> None:
    report = YearlyReport(
        2026,
        values=(IndicatorValue("taux-occupation", 90.0), IndicatorValue("delai", 5.0)),
        actions=(
            ActionProgress("act-1", ActionStatus.DONE),
            ActionProgress("act-2", ActionStatus.DONE),
        ),
    )
    _, text = pdf_text(replace(DATA, reports=(report,)))

    assert "2 indicateurs atteints sur 2 — 2 actions réalisées sur 2" in text.replace("\xa0", " ")


def test_the_pdf_embeds_the_font_shipped_with_the_package() -> None:
    pdf = review_pdf(DATA)

    assert set(re.findall(rb"/BaseFont /[A-Z]+\+(\w+)", pdf)) == {
        b"DejaVuSansCondensed",
        b"DejaVuSansCondensedBold",
    }


def test_the_pdf_shows_french_figures() -> None:
    _, text = pdf_text(DATA)

    assert "1\u202f200 (2023)" in text
    assert "1\u202f650,5" in text
    assert "50\u00a0%" in text or "50 %" in text


def test_long_or_odd_text_wraps_instead_of_breaking_the_pdf() -> None:
    endless = Objective(
        "obj-long",
        "Objectif " + "très long, avec accents et « guillemets » " * 200,
        indicators=(replace(OCCUPANCY, label="x" * 3000, tdb_code="C" * 500),),
        actions=(Action("act-l", "Action\n\n\t" * 300, owner="Porteur " * 500),),
    )
    data = replace(
        DATA,
        gestionnaire="G" * 2000,
        objectives=(endless,) * 12,
        establishments=(replace(RENNES, name="R" * 500),),
    )

    pages, text = pdf_text(data)
    assert pages > 2
    assert "Objectif très long, avec accents et « guillemets »" in text
    assert f"page {pages} / {pages}" in text


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (1234.5, "1\u202f234,5"),
        (90.0, "90"),
        (13.3333, "13,33"),
        (-0.001, "0"),
        (1e6, "1\u202f000\u202f000"),
    ],
)
def test_french_number(value: float, shown: str) -> None:
    assert french_number(value) == shown
