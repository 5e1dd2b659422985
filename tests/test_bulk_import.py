"""Bulk import: reading CSV and XLSX, matching headers, every problem with its row and column."""

import io
import re
import time
import zipfile
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from cpom import spreadsheet
from cpom.bulk_import import COLUMNS, plan_import, problems_summary
from cpom.domain.terms import AuthorityKind, AuthorityRole
from cpom.domain.terms_input import terms_from_mapping
from cpom.import_perimeter import CO_SIGNATORY_COLUMNS, ESTABLISHMENT_COLUMNS
from cpom.import_template import template_csv, template_xlsx, write_template
from cpom.settings import ROOT
from cpom.spreadsheet import SpreadsheetError
from tests.imports import (
    ESTABLISHMENT_HEADERS,
    HEADERS,
    as_csv,
    as_workbook,
    as_xlsx,
    co_signatory_row,
    contract_row,
    establishment_row,
    siren,
)

TODAY = date(2025, 6, 1)


def problems(filename: str, content: bytes) -> list[str]:
    return [str(problem) for problem in plan_import(filename, content, TODAY).problems]


@pytest.mark.parametrize("ending", [b"\r\n", b"\r"])
def test_csv_lines_ended_by_cr_lf_or_cr_alone(ending: bytes) -> None:
    """Found by probing: a file from an old Mac (CR alone) was read as one line and refused for
    « un guillemet jamais refermé »."""
    rows = [contract_row(0), contract_row(1)]
    content = as_csv(rows).replace(b"\r\n", b"\n").replace(b"\n", ending)
    plan = plan_import("contrats.csv", content, TODAY)
    assert plan.problems == []
    assert [(row.row, row.reference) for row in plan.rows] == [
        (2, "CPOM-IMPORT-0000"),
        (3, "CPOM-IMPORT-0001"),
    ]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig"])
def test_csv_in_utf8_with_or_without_byte_order_mark(encoding: str) -> None:
    rows = [contract_row(0), contract_row(1, {"Autorité": "ARS Île-de-France", "Territoire": "75"})]
    plan = plan_import("contrats.csv", as_csv(rows, encoding=encoding), TODAY)
    assert plan.problems == []
    assert [(row.row, row.reference) for row in plan.rows] == [
        (2, "CPOM-IMPORT-0000"),
        (3, "CPOM-IMPORT-0001"),
    ]
    first, second = (row.terms for row in plan.rows)
    assert first == {
        "reference": "CPOM-IMPORT-0000",
        "preset": "sad",
        "effet": "2024-01-01",
        "duration_years": 5,
        "signed_on": "2023-12-15",
        "authority": {
            "kind": "departement",
            "name": "Département d'Ille-et-Vilaine",
            "territory": "35",
            "email": "cpom@autorite.example",
        },
        "gestionnaire": {
            "raison_sociale": "Association numéro 0",
            "siren": siren(1),
            "email": "direction0@gestionnaire.example",
        },
    }
    assert second["authority"]["name"] == "ARS Île-de-France"
    assert second["authority"]["kind"] == "ars"


def test_csv_in_windows_1252_with_semicolons_as_finess_extracts_come() -> None:
    row = contract_row(0, {"Autorité": "Département de la Moselle", "Territoire": "57"})
    row["Gestionnaire"] = "Aide à domicile « Lorraine »"
    content = as_csv([row], delimiter=";", encoding="cp1252")
    with pytest.raises(UnicodeDecodeError):
        content.decode("utf-8")
    plan = plan_import("extrait.CSV", content, TODAY)
    assert plan.problems == []
    terms = plan.rows[0].terms
    assert terms["authority"]["name"] == "Département de la Moselle"
    assert terms["gestionnaire"]["raison_sociale"] == "Aide à domicile « Lorraine »"


def test_csv_with_commas_and_quoted_values() -> None:
    row = contract_row(0, {"Gestionnaire": "Association « Vivre, chez soi »"})
    plan = plan_import("contrats.csv", as_csv([row], delimiter=","), TODAY)
    assert plan.problems == []
    assert plan.rows[0].gestionnaire == "Association « Vivre, chez soi »"


def test_xlsx_with_date_cells_text_dates_and_number_cells() -> None:
    row = contract_row(
        0,
        {
            "Date d'effet": date(2024, 1, 1),  # a date cell, read back as a datetime
            "Date de signature": "15/12/2023",
            "À jour au": "2024-12-31",
            "Durée (années)": 5,
            "Territoire": 1,  # typed as a number: « 01 »
            "SIREN": int(siren(7)),
            "FINESS": 10000024,  # a number cell dropped the leading zero
        },
    )
    plan = plan_import("contrats.xlsx", as_xlsx([row]), TODAY)
    assert plan.problems == []
    (imported,) = plan.rows
    assert imported.declared_up_to_date_on == date(2024, 12, 31)
    assert imported.terms["effet"] == "2024-01-01"
    assert imported.terms["signed_on"] == "2023-12-15"
    assert imported.terms["duration_years"] == 5
    assert imported.terms["authority"]["territory"] == "01"
    assert imported.terms["gestionnaire"]["siren"] == siren(7)
    assert imported.terms["gestionnaire"]["finess"] == "010000024"
    typed = contract_row(1, {"Durée (années)": 4.0, "Gestionnaire": date(2024, 1, 1)})
    assert problems("contrats.xlsx", as_xlsx([typed])) == [
        "ligne 2, colonne « Gestionnaire » : une date figure là où un texte est attendu"
    ]


def test_xlsx_reads_the_contrats_sheet_and_keeps_the_sheet_row_numbers() -> None:
    workbook = Workbook()
    aide = workbook.active
    assert aide is not None
    aide.title = "Aide"
    aide.append(["rien à importer ici"])
    sheet = workbook.create_sheet("contrats")
    sheet.append(HEADERS)
    sheet.append([])  # a blank row is skipped, the numbers stay the sheet's
    bad = contract_row(1, {"SIREN": "123456789"})
    sheet.append([bad[header] for header in HEADERS])
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert problems("contrats.xlsx", buffer.getvalue()) == [
        "ligne 3, colonne « SIREN » : « 123456789 » n'est pas un numéro valide "
        "(9 chiffres, clé de Luhn)"
    ]


def test_headers_match_ignoring_case_accents_apostrophes_and_spaces() -> None:
    written = [
        "  REFERENCE ",
        "prereglage",
        "Date d’effet",
        "DUREE  (annees)",
        "date de signature",
        "territoire",
        "type d'autorite",
        "autorite",
        "courriel de l’autorite",
        "Courriel du superviseur",
        "gestionnaire",
        "Siren",
        "finess",
        "COURRIEL DU GESTIONNAIRE",
        "a jour au",
        "IDENTIFIANT DE L’AUTORITÉ",
    ]
    row = contract_row(0, {"SIREN": "12"})
    content = as_csv([{w: row[h] for w, h in zip(written, HEADERS, strict=True)}], headers=written)
    # The report names the column as the file writes it.
    assert problems("contrats.csv", content) == [
        "ligne 2, colonne « Siren » : « 12 » n'est pas un numéro valide (9 chiffres, clé de Luhn)"
    ]


def test_the_optional_columns_may_be_left_out_in_any_order() -> None:
    required = [c.header for c in COLUMNS if c.required][::-1]
    plan = plan_import("contrats.csv", as_csv([contract_row(0)], headers=required), TODAY)
    assert plan.problems == []
    assert "signed_on" not in plan.rows[0].terms


def test_header_problems_unknown_duplicate_headless_and_missing_columns() -> None:
    headers = [*HEADERS[:9], "Couleur", "SIREN ", *HEADERS[11:13], "", "Autorité"]
    rows = [{**contract_row(0), "": "orpheline"}]
    content = as_csv(rows, headers=headers)
    assert problems("contrats.csv", content) == [
        "ligne 1, colonne « Couleur » : colonne inconnue ; colonnes possibles : "
        + ", ".join(HEADERS),
        "ligne 1, colonne « SIREN » : colonne en double (déjà en colonne K)",
        "ligne 1, colonne « Autorité » : colonne en double (déjà en colonne H)",
        "ligne 1 : la colonne N n'a pas d'en-tête mais contient des valeurs",
        "ligne 1 : colonnes obligatoires manquantes : « Gestionnaire », "
        "« Courriel du gestionnaire »",
    ]


def test_every_problem_of_every_row_is_reported_with_its_row_and_column() -> None:
    rows = [
        contract_row(0),
        contract_row(
            1,
            {
                "Référence": "CPOM 35/2",
                "Préréglage": "sap",
                "Date d'effet": "31/02/2024",
                "Durée (années)": "cinq",
                "Territoire": "99",
                "Type d'autorité": "Mairie",
                "Autorité": "",
                "Courriel de l'autorité": "pas-une-adresse",
                "SIREN": "732829321",
                "FINESS": "12",
                "Courriel du gestionnaire": "",
            },
        ),
        contract_row(2, {"Durée (années)": "7", "Date de signature": "2024/01/01"}),
        contract_row(3),
    ]
    plan = plan_import("contrats.csv", as_csv(rows), TODAY)
    assert [str(problem) for problem in plan.problems] == [
        "ligne 3, colonne « Référence » : « CPOM 35/2 » : 1 à 64 caractères parmi lettres sans "
        "accent, chiffres, « . », « _ » et « - », en commençant par une lettre ou un chiffre, "
        "sans espace",
        "ligne 3, colonne « Préréglage » : « sap » inconnu ; valeurs possibles : sad, esms-ars, "
        "ahi-etat",
        "ligne 3, colonne « Date d'effet » : la date « 31/02/2024 » n'existe pas",
        "ligne 3, colonne « Durée (années) » : « cinq » n'est pas un nombre entier d'années",
        "ligne 3, colonne « Territoire » : territoire inconnu « 99 » : attendu un numéro de "
        "département (01 à 95, 2A, 2B) ou d'outre-mer (971 à 978)",
        "ligne 3, colonne « Type d'autorité » : « Mairie » inconnu ; valeurs possibles : "
        "Département, ARS, État",
        "ligne 3, colonne « Autorité » : valeur obligatoire manquante",
        "ligne 3, colonne « Courriel de l'autorité » : « pas-une-adresse » n'est pas une "
        "adresse électronique valide (ex. prenom.nom@domaine.fr)",
        "ligne 3, colonne « SIREN » : « 732829321 » n'est pas un numéro valide (9 chiffres, "
        "clé de Luhn)",
        "ligne 3, colonne « FINESS » : « 12 » n'est pas un numéro FINESS valide (9 "
        "caractères : département, dont 2A ou 2B, sept chiffres dont la clé de Luhn ; ex. "
        "350000014)",
        "ligne 3, colonne « Courriel du gestionnaire » : valeur obligatoire manquante",
        "ligne 4, colonne « Durée (années) » : 7 ans impossible : un CPOM est conclu pour 2 ans "
        "au moins et 5 ans au plus (CASF art. L. 313-11)",
        "ligne 4, colonne « Date de signature » : « 2024/01/01 » n'est pas une date (attendu "
        "JJ/MM/AAAA ou AAAA-MM-JJ)",
    ]
    assert [row.row for row in plan.rows] == [2, 5]  # checked, never created: the plan is invalid
    assert not plan.valid
    assert problems_summary("contrats.csv", plan) == (
        "« contrats.csv » : 13 problèmes sur 4 lignes ; aucun contrat n'a été créé."
    )


def test_dates_of_a_contract_in_force() -> None:
    rows = [
        contract_row(0, {"Date d'effet": "01/01/2019", "Durée (années)": "5"}),
        contract_row(1, {"À jour au": "02/06/2025", "Date de signature": "01/07/2025"}),
        contract_row(2, {"À jour au": "31/12/2023"}),
        contract_row(3, {"Date d'effet": "01/01/1900"}),
        contract_row(4, {"Date d'effet": "2023-01-01", "À jour au": TODAY.isoformat()}),
    ]
    assert problems("contrats.csv", as_csv(rows)) == [
        "ligne 2, colonne « Date d'effet » : le contrat a pris fin le 31/12/2023 (date d'effet "
        "et durée) : seuls les contrats en cours s'importent",
        "ligne 3, colonne « Date de signature » : la date de signature ne peut pas être "
        "postérieure à aujourd'hui (01/06/2025)",
        "ligne 3, colonne « À jour au » : cette date ne peut pas être postérieure à aujourd'hui "
        "(01/06/2025)",
        "ligne 4, colonne « À jour au » : le 31/12/2023 précède la date d'effet du contrat "
        "(01/01/2024)",
        "ligne 5, colonne « Date d'effet » : année 1900 hors de la plage 1950–2090",
    ]


def test_a_reference_twice_in_the_file_is_a_problem_on_each_repetition() -> None:
    rows = [contract_row(0), contract_row(1), contract_row(2), contract_row(3)]
    first = rows[2]["Référence"] = rows[3]["Référence"] = rows[0]["Référence"]
    assert problems("contrats.csv", as_csv(rows)) == [
        f"ligne 4, colonne « Référence » : référence « {first} » déjà employée à la ligne 2",
        f"ligne 5, colonne « Référence » : référence « {first} » déjà employée à la ligne 2",
    ]


@pytest.mark.parametrize(
    ("filename", "content", "message"),
    [
        ("contrats.xls", b"\xd0\xcf\x11\xe0", "fichier « .xls » non pris en charge"),
        ("contrats", b"a;b", "fichier sans extension non pris en charge"),
        ("contrats.csv", as_xlsx([]), "ce fichier n'est pas un CSV (contenu binaire ou UTF-16)"),
        ("contrats.xlsx", b"Reference;SIREN\n", "ce fichier n'est pas un classeur XLSX lisible"),
        ("contrats.csv", b"\xef\xbb\xbf\r\n ; \r\n", "le fichier est vide"),
        ("contrats.csv", b"caf\xe9\x81", "encodage des caractères non reconnu"),
        ("contrats.xlsx", as_xlsx([]), "aucun contrat sous la ligne d'en-tête"),
        (
            "contrats.csv",
            b'R\xc3\xa9f\xc3\xa9rence;SIREN\n"' + b"x" * 200_000,
            "CSV illisible : une cellule dépasse la taille permise, sans doute à cause d'un "
            "guillemet jamais refermé",
        ),
    ],
)
def test_unreadable_files_are_refused_in_french(
    filename: str, content: bytes, message: str
) -> None:
    with pytest.raises(SpreadsheetError, match=re.escape(message)):
        plan_import(filename, content, TODAY)


def test_too_many_rows_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(spreadsheet, "MAX_ROWS", 2)
    rows = [contract_row(index) for index in range(3)]
    assert len(plan_import("contrats.csv", as_csv(rows[:2]), TODAY).rows) == 2
    with pytest.raises(SpreadsheetError, match="plus de 2 contrats dans le fichier"):
        plan_import("contrats.csv", as_csv(rows), TODAY)
    perimeter = [establishment_row("CPOM-IMPORT-0000", "350004214") for _ in range(3)]
    with pytest.raises(
        SpreadsheetError,
        match="plus de 2 lignes dans la feuille « Établissements » : le découper en plusieurs",
    ):
        plan_import("contrats.xlsx", as_workbook(rows[:1], perimeter), TODAY)


def _cells(content: bytes) -> dict[str, list[tuple[object, ...]]]:
    workbook = load_workbook(io.BytesIO(content))
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in workbook}


def test_the_committed_examples_are_what_the_template_code_writes() -> None:
    examples = ROOT / "examples"
    csv_file = (examples / "import-contrats.csv").read_bytes()
    xlsx_file = (examples / "import-contrats.xlsx").read_bytes()
    assert csv_file == template_csv(examples=True)
    assert _cells(xlsx_file) == _cells(template_xlsx(examples=True))
    alone = ["CPOM-35-SAD-2024", "CPOM-44-ESMS-2025"]
    plan = plan_import("import-contrats.csv", csv_file, TODAY)
    assert plan.problems == []
    assert [row.reference for row in plan.rows] == alone
    assert plan.rows[0].declared_up_to_date_on == date(2024, 12, 31)
    # The workbook adds a joint contract with its perimeter, which a CSV cannot hold.
    plan = plan_import("import-contrats.xlsx", xlsx_file, TODAY)
    assert plan.problems == []
    assert [row.reference for row in plan.rows] == [*alone, "CPOM-35-EHPAD-2025"]
    terms = terms_from_mapping(plan.rows[2].terms)
    assert [(a.key, a.kind, a.role) for a in terms.authorities] == [
        ("ars-bretagne", AuthorityKind.ARS, AuthorityRole.TARIFICATION),
        ("cd35", AuthorityKind.DEPARTEMENT, AuthorityRole.CO_SIGNING),
    ]
    assert terms.authority.name == "ARS Bretagne"
    assert [(e.finess, e.category, e.funded_by) for e in terms.establishments] == [
        ("350004214", "EHPAD", ("ars-bretagne", "cd35")),
        ("350004222", "EHPAD", ("ars-bretagne", "cd35")),
    ]


def test_the_empty_template_has_the_headers_and_a_help_sheet(tmp_path: Path) -> None:
    write_template(tmp_path / "modele.xlsx")
    sheets = _cells((tmp_path / "modele.xlsx").read_bytes())
    assert list(sheets) == ["Contrats", "Établissements", "Autorités cosignataires", "Aide"]
    assert sheets["Contrats"] == [tuple(HEADERS)]
    assert sheets["Établissements"] == [
        ("Référence du contrat", "FINESS", "Nom", "Catégorie", "Autorisation", "Financé par")
    ]
    assert sheets["Autorités cosignataires"] == [
        (
            "Référence du contrat",
            "Identifiant",
            "Type",
            "Nom",
            "Territoire",
            "Rôle",
            "Courriel",
            "SIREN",
        )
    ]
    aide = sheets["Aide"]
    assert aide[0] == ("Feuille", "Colonne", "Obligatoire", "Contenu", "Exemple")
    described = [
        (title, c.header, "oui" if c.required else "non")
        for title, columns in (
            ("Contrats", COLUMNS),
            ("Établissements", ESTABLISHMENT_COLUMNS),
            ("Autorités cosignataires", CO_SIGNATORY_COLUMNS),
        )
        for c in columns
    ]
    assert [line[:3] for line in aide[1 : len(described) + 1]] == described
    assert all(line[3] for line in aide[1 : len(described) + 1])
    instructions = [str(line[0]) for line in aide[len(described) + 2 :]]
    assert (
        "Un fichier CSV ne contient qu'un tableau : une ligne par contrat, sans périmètre ni "
        "autorité cosignataire. Pour les décrire, employer le classeur XLSX." in instructions
    )
    assert any("« Référence du contrat »" in line for line in instructions)
    # The empty workbook imports nothing, and says so as for a one-sheet file.
    with pytest.raises(SpreadsheetError, match="aucun contrat sous la ligne d'en-tête"):
        plan_import("modele.xlsx", (tmp_path / "modele.xlsx").read_bytes(), TODAY)
    write_template(tmp_path / "modele.csv")
    assert (tmp_path / "modele.csv").read_bytes() == (
        "\ufeff" + ";".join(HEADERS) + "\r\n"
    ).encode()
    with pytest.raises(SpreadsheetError, match=r"choisir un nom de fichier en \.xlsx ou en \.csv"):
        write_template(tmp_path / "modele.ods")


def test_cells_are_refused_as_written_never_trimmed_or_read_in_other_scripts() -> None:
    rows = [
        contract_row(0, {"Référence": "CPOM-35-1 "}),
        contract_row(1, {"Date d'effet": "٠١/٠١/٢٠٢٤", "Durée (années)": "٥"}),
        contract_row(2, {"SIREN": "000000000", "Courriel du gestionnaire": "<a@b.c>"}),
    ]
    assert problems("contrats.csv", as_csv(rows)) == [
        "ligne 2, colonne « Référence » : « CPOM-35-1  » : 1 à 64 caractères parmi lettres sans "
        "accent, chiffres, « . », « _ » et « - », en commençant par une lettre ou un chiffre, "
        "sans espace",
        "ligne 3, colonne « Date d'effet » : « ٠١/٠١/٢٠٢٤ » n'est pas une date (attendu "
        "JJ/MM/AAAA ou AAAA-MM-JJ)",
        "ligne 3, colonne « Durée (années) » : « ٥ » n'est pas un nombre entier d'années",
        "ligne 4, colonne « SIREN » : « 000000000 » n'est pas un numéro valide (9 chiffres, "
        "clé de Luhn)",
        "ligne 4, colonne « Courriel du gestionnaire » : « <a@b.c> » n'est pas une adresse "
        "électronique valide (ex. prenom.nom@domaine.fr)",
    ]


def test_a_csv_holding_a_nul_character_is_refused() -> None:
    content = as_csv([contract_row(0, {"Gestionnaire": "SAD\x00Exemple"})])
    with pytest.raises(SpreadsheetError, match="n'est pas un CSV"):
        plan_import("contrats.csv", content, TODAY)


JOINT = "CPOM-IMPORT-0001"  # contract_row(1): esms-ars, led by the ARS Pays de la Loire


def test_a_workbook_gives_a_contract_its_perimeter_and_co_signatories() -> None:
    contracts = [
        contract_row(0),
        contract_row(1, {"Identifiant de l'autorité": "ars-pdl"}),
        contract_row(2),
    ]
    establishments = [
        # Funders are matched ignoring case and spaces around « ; ».
        establishment_row(JOINT, "350004214", {"Financé par": "ARS-PDL ;cd35"}),
        establishment_row(JOINT, 350004222, {"Catégorie": "", "Autorisation": None}),
    ]
    co_signatories = [co_signatory_row(JOINT)]
    # The sheets are found by their names, whatever their order, case or accents.
    content = as_workbook(
        contracts,
        establishments,
        co_signatories,
        titles=("CONTRATS", "etablissements", "Autorites cosignataires"),
    )
    plan = plan_import("contrats.xlsx", content, TODAY)
    assert plan.problems == []
    assert [row.reference for row in plan.rows] == [
        "CPOM-IMPORT-0000",
        "CPOM-IMPORT-0001",
        "CPOM-IMPORT-0002",
    ]
    first, joint, third = (row.terms for row in plan.rows)
    assert "authorities" not in first
    assert "establishments" not in first
    assert "authorities" not in third
    assert joint["authorities"] == [
        {
            "id": "ars-pdl",
            "kind": "ars",
            "name": "ARS Pays de la Loire",
            "territory": "44",
            "email": "cpom@autorite.example",
            "role": "tarification",
        },
        {
            "id": "cd35",
            "kind": "departement",
            "name": "Département d'Ille-et-Vilaine",
            "territory": "35",
            "role": "cosignataire",
            "email": "cpom@ille-et-vilaine.example",
            "siren": "223500018",
        },
    ]
    assert "authority" not in joint
    assert joint["establishments"] == [
        {
            "finess": "350004214",
            "name": "EHPAD 350004214",
            "category": "EHPAD",
            "authorisation": "arrêté conjoint du 12/03/2019, 15 ans",
            "funded_by": ["ars-pdl", "cd35"],
        },
        # A number cell is read back as the FINESS text; blank optional cells are left out.
        {"finess": "350004222", "name": "EHPAD 350004222"},
    ]
    terms = terms_from_mapping(joint)
    assert terms.authority.key == "ars-pdl"
    assert [(a.key, a.role) for a in terms.co_signatories] == [("cd35", AuthorityRole.CO_SIGNING)]
    assert [(e.finess, e.funded_by) for e in terms.establishments] == [
        ("350004214", ("ars-pdl", "cd35")),
        ("350004222", ()),
    ]


def test_a_prefet_co_signs_and_the_lead_is_known_by_its_kind_without_identifier() -> None:
    contracts = [contract_row(2)]  # ahi-etat, led by the préfecture de La Réunion
    co_signatories = [
        co_signatory_row(
            "CPOM-IMPORT-0002",
            {
                "Identifiant": "",
                "Type": "ARS",
                "Nom": "ARS La Réunion",
                "Territoire": "974",
                "Rôle": "",
                "SIREN": "",
            },
        )
    ]
    establishments = [
        establishment_row("CPOM-IMPORT-0002", "974000010", {"Financé par": "etat; ARS"})
    ]
    plan = plan_import(
        "contrats.xlsx", as_workbook(contracts, establishments, co_signatories), TODAY
    )
    assert plan.problems == []
    terms = terms_from_mapping(plan.rows[0].terms)
    assert [(a.key, a.role) for a in terms.authorities] == [
        ("etat", AuthorityRole.TARIFICATION),
        ("ars", AuthorityRole.CO_SIGNING),  # the role left blank: co-signing
    ]
    assert terms.establishments[0].funded_by == ("etat", "ars")


def test_every_perimeter_mistake_is_reported_with_its_sheet_row_and_column() -> None:
    contracts = [
        contract_row(0),
        contract_row(1, {"Courriel de l'autorité": "ars@"}),
        contract_row(2),
    ]
    establishments = [
        establishment_row(JOINT, "350004214", {"Financé par": "ars ; cd35"}),
        establishment_row(JOINT, "350000015"),
        establishment_row(JOINT, "350004214", {"Nom": "Doublon"}),
        establishment_row("CPOM-INCONNU", "350004222"),
        establishment_row(JOINT, "350004222", {"Financé par": "cd44"}),
        establishment_row(JOINT, "", {"Nom": ""}),
    ]
    co_signatories = [
        co_signatory_row(JOINT),
        co_signatory_row(
            JOINT,
            {
                "Identifiant": "prefet",
                "Type": "État",
                "Rôle": "tarification",
                "Courriel": "",
                "SIREN": "223500019",
            },
        ),
        co_signatory_row("CPOM-IMPORT-0000", {"Territoire": "99"}),
    ]
    plan = plan_import(
        "contrats.xlsx", as_workbook(contracts, establishments, co_signatories), TODAY
    )
    assert [str(problem) for problem in plan.problems] == [
        "feuille « Contrats », ligne 3, colonne « Courriel de l'autorité » : « ars@ » n'est pas "
        "une adresse électronique valide (ex. prenom.nom@domaine.fr)",
        "feuille « Établissements », ligne 3, colonne « FINESS » : « 350000015 » n'est pas un "
        "numéro FINESS valide (9 caractères : département, dont 2A ou 2B, sept chiffres dont la "
        "clé de Luhn ; ex. 350000014)",
        "feuille « Établissements », ligne 4, colonne « FINESS » : l'établissement FINESS "
        "350004214 figure deux fois au périmètre",
        "feuille « Établissements », ligne 5, colonne « Référence du contrat » : le contrat "
        "« CPOM-INCONNU » ne figure pas dans la feuille « Contrats »",
        "feuille « Établissements », ligne 6, colonne « Financé par » : « cd44 » n'est pas une "
        "autorité signataire ; autorités : ars, cd35, prefet",
        "feuille « Établissements », ligne 7, colonne « FINESS » : valeur obligatoire manquante",
        "feuille « Établissements », ligne 7, colonne « Nom » : valeur obligatoire manquante",
        "feuille « Autorités cosignataires », ligne 3, colonne « Rôle » : l'autorité de "
        "tarification qui conduit le contrat est celle de la feuille « Contrats » ; valeurs "
        "possibles ici : cosignataire, préfet",
        "feuille « Autorités cosignataires », ligne 3, colonne « Courriel » : valeur "
        "obligatoire manquante",
        "feuille « Autorités cosignataires », ligne 3, colonne « SIREN » : « 223500019 » n'est "
        "pas un numéro valide (9 chiffres, clé de Luhn)",
        "feuille « Autorités cosignataires », ligne 4, colonne « Territoire » : territoire "
        "inconnu « 99 » : attendu un numéro de département (01 à 95, 2A, 2B) ou d'outre-mer "
        "(971 à 978)",
    ]
    # Each contract with a problem in any sheet is left out; and the file is refused whole.
    assert [row.reference for row in plan.rows] == ["CPOM-IMPORT-0002"]
    assert not plan.valid
    assert plan.names_sheets
    assert problems_summary("contrats.xlsx", plan) == (
        "« contrats.xlsx » : 11 problèmes sur 3 lignes ; aucun contrat n'a été créé."
    )


def test_a_missing_type_leaves_the_funders_unchecked_rather_than_blamed() -> None:
    co_signatories = [co_signatory_row(JOINT, {"Identifiant": "", "Type": "Mairie"})]
    establishments = [establishment_row(JOINT, "350004214", {"Financé par": "departement"})]
    plan = plan_import(
        "contrats.xlsx",
        as_workbook([contract_row(1)], establishments, co_signatories),
        TODAY,
    )
    assert [str(problem) for problem in plan.problems] == [
        "feuille « Autorités cosignataires », ligne 2, colonne « Type » : « Mairie » inconnu ; "
        "valeurs possibles : Département, ARS, État"
    ]


def test_two_co_signatories_known_by_the_same_kind_are_told_apart_by_identifier() -> None:
    co_signatories = [
        co_signatory_row(JOINT, {"Identifiant": ""}),
        co_signatory_row(JOINT, {"Identifiant": "", "Nom": "Département du Morbihan"}),
    ]
    plan = plan_import("contrats.xlsx", as_workbook([contract_row(1)], [], co_signatories), TODAY)
    assert [str(problem) for problem in plan.problems] == [
        "feuille « Autorités cosignataires », ligne 3, colonne « Identifiant » : deux autorités "
        "signataires ont l'identifiant « departement » : donner à chacune un « id » distinct"
    ]


def test_a_perimeter_sheet_without_its_columns_is_reported_and_its_rows_left_unread() -> None:
    workbook = Workbook()
    contracts = workbook.active
    assert contracts is not None
    contracts.title = "Contrats"
    contracts.append(HEADERS)
    contracts.append([contract_row(1)[header] for header in HEADERS])
    sheet = workbook.create_sheet("Établissements")
    sheet.append(["Référence", "FINESS", "Nom"])
    sheet.append([JOINT, "350004214", "EHPAD"])
    signatories = workbook.create_sheet("Autorités cosignataires")
    signatories.append(["Référence du contrat", "Nom"])
    signatories.append([JOINT, "Département d'Ille-et-Vilaine"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert problems("contrats.xlsx", buffer.getvalue()) == [
        "feuille « Établissements », ligne 1, colonne « Référence » : colonne inconnue ; "
        "colonnes possibles : Référence du contrat, FINESS, Nom, Catégorie, Autorisation, "
        "Financé par",
        "feuille « Établissements », ligne 1 : colonne obligatoire manquante : « Référence du "
        "contrat »",
        "feuille « Autorités cosignataires », ligne 1 : colonnes obligatoires manquantes : "
        "« Type », « Territoire », « Courriel »",
    ]


def test_a_broken_contracts_sheet_still_reports_the_other_sheets_own_problems() -> None:
    required = [c.header for c in COLUMNS if c.required and c.header != "SIREN"]
    workbook = Workbook()
    contracts = workbook.active
    assert contracts is not None
    contracts.title = "Contrats"
    contracts.append(required)
    contracts.append([contract_row(0)[header] for header in required])
    sheet = workbook.create_sheet("Établissements")
    sheet.append(ESTABLISHMENT_HEADERS)
    sheet.append([establishment_row(JOINT, "")[header] for header in ESTABLISHMENT_HEADERS])
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert problems("contrats.xlsx", buffer.getvalue()) == [
        "feuille « Contrats », ligne 1 : colonne obligatoire manquante : « SIREN »",
        "feuille « Établissements », ligne 2, colonne « FINESS » : valeur obligatoire manquante",
    ]


def test_an_old_one_sheet_workbook_imports_as_before() -> None:
    # The template as it was: « Contrats » and « Aide », without the authority's identifier.
    old_headers = [h for h in HEADERS if h != "Identifiant de l'autorité"]
    workbook = Workbook()
    contracts = workbook.active
    assert contracts is not None
    contracts.title = "Contrats"
    contracts.append(old_headers)
    for index in range(2):
        contracts.append([contract_row(index)[header] for header in old_headers])
    contracts.append([contract_row(2, {"SIREN": "12"})[header] for header in old_headers])
    workbook.create_sheet("Aide").append(["Colonne", "Obligatoire", "Contenu", "Exemple"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    plan = plan_import("ancien.xlsx", buffer.getvalue(), TODAY)
    # No sheet to tell apart: the report reads as it always has.
    assert [str(problem) for problem in plan.problems] == [
        "ligne 4, colonne « SIREN » : « 12 » n'est pas un numéro valide (9 chiffres, clé de Luhn)"
    ]
    assert not plan.names_sheets
    assert (
        plan.rows[0].terms
        == plan_import("contrats.csv", as_csv([contract_row(0)]), TODAY).rows[0].terms
    )
    assert plan.rows[0].terms["authority"] == {
        "kind": "departement",
        "name": "Département d'Ille-et-Vilaine",
        "territory": "35",
        "email": "cpom@autorite.example",
    }


def test_the_filled_template_with_its_perimeter_sheets_left_empty_imports() -> None:
    content = as_workbook([contract_row(0), contract_row(1)])
    plan = plan_import("contrats.xlsx", content, TODAY)
    assert plan.problems == []
    assert [sorted(row.terms) for row in plan.rows] == [
        ["authority", "duration_years", "effet", "gestionnaire", "preset", "reference", "signed_on"]
    ] * 2
    # Its problems name their sheet, for the workbook has several.
    bad = as_workbook([contract_row(0, {"SIREN": "12"})])
    assert problems("contrats.xlsx", bad) == [
        "feuille « Contrats », ligne 2, colonne « SIREN » : « 12 » n'est pas un numéro valide "
        "(9 chiffres, clé de Luhn)"
    ]


def test_a_csv_holds_contracts_alone() -> None:
    # The perimeter columns in a CSV are not columns of the contracts' table.
    headers = [*HEADERS, "Financé par"]
    content = as_csv([{**contract_row(0), "Financé par": "ars"}], headers=headers)
    assert problems("contrats.csv", content)[0].startswith(
        "ligne 1, colonne « Financé par » : colonne inconnue"
    )


def _declaring(content: bytes, dimension: str, extra_row: int | None = None) -> bytes:
    """`content`, a workbook, its sheet declaring `dimension`, with a cell at `extra_row`."""
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            data = source.read(member)
            if member.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(
                    rb'<dimension ref="[^"]*"/>', f'<dimension ref="{dimension}"/>'.encode(), data
                )
                if extra_row is not None:
                    cell = (
                        f'<row r="{extra_row}"><c r="A{extra_row}" t="inlineStr">'
                        "<is><t>x</t></is></c></row>"
                    )
                    data = data.replace(b"</sheetData>", cell.encode() + b"</sheetData>")
            target.writestr(member, data)
    return out.getvalue()


def test_a_workbook_is_read_within_bounds_whatever_it_declares() -> None:
    """Found by probing: a 10 KB workbook declaring 16,384 columns and a cell at row 20,000
    took 20 s to read; one of 110 KB holding 100 MB of text took 300 MB of memory."""
    rows = [contract_row(index) for index in range(2)]
    wide = _declaring(as_xlsx(rows), "A1:XFD1048576", extra_row=20_000)
    began = time.process_time()
    table = spreadsheet.read_table("contrats.xlsx", wide)
    assert time.process_time() - began < 2.0  # 0.1 s; every row 16,384 cells wide: 20 s
    assert [number for number, _ in table.rows][-1] == 20_000
    assert {len(cells) for _, cells in table.rows} == {spreadsheet.MAX_COLUMNS}
    far = _declaring(as_xlsx(rows), "A1:XFD1048576", extra_row=1_000_000)
    with pytest.raises(SpreadsheetError, match="plus de 50\u202f000 lignes dans le fichier"):
        spreadsheet.read_table("contrats.xlsx", far)
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/sharedStrings.xml", b" " * (65 * 1024 * 1024))
    assert len(bomb.getvalue()) < 200_000
    with pytest.raises(SpreadsheetError, match="plus de 64 Mo une fois décompressé"):
        spreadsheet.read_table("contrats.xlsx", bomb.getvalue())


def _with_cached_values(content: bytes, values: dict[str, str]) -> bytes:
    """The workbook with the values of its formulas written beside them, as a spreadsheet
    program saves them (openpyxl writes formulas without their values)."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(content)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for member in source.infolist():
            data = source.read(member)
            if member.filename.startswith("xl/worksheets/"):
                for cell, value in values.items():
                    data = re.sub(
                        rb'(<c r="' + cell.encode() + rb'")(>.*?</f>)<v></v>',
                        rb'\1 t="str"\2<v>' + value.encode() + rb"</v>",
                        data,
                    )
            target.writestr(member, data)
    return out.getvalue()


def test_a_formula_whose_value_the_file_lacks_is_reported_not_read_as_empty() -> None:
    """Found by probing: a workbook written by a program that does not compute its formulas
    had its gestionnaire « valeur obligatoire manquante », and its « À jour au » silently
    left out."""
    row = contract_row(
        0, {"Gestionnaire": '="Association "&"numéro 0"', "À jour au": "=DATE(2024,12,31)"}
    )
    content = as_xlsx([row])
    assert problems("contrats.xlsx", content) == [
        "ligne 2, colonne « Gestionnaire » : la cellule contient une formule dont le fichier n'a "
        'pas la valeur (="Association "&"numéro 0") : ouvrir le fichier dans un tableur et '
        "l'enregistrer, ou saisir la valeur elle-même",
        "ligne 2, colonne « À jour au » : la cellule contient une formule dont le fichier n'a "
        "pas la valeur (=DATE(2024,12,31)) : ouvrir le fichier dans un tableur et "
        "l'enregistrer, ou saisir la valeur elle-même",
    ]
    # Saved by a spreadsheet program, with their values: read as those values.
    saved = _with_cached_values(content, {"K2": "Association numéro 0", "O2": "31/12/2024"})
    plan = plan_import("contrats.xlsx", saved, TODAY)
    assert plan.problems == []
    [imported] = plan.rows
    assert imported.terms["gestionnaire"]["raison_sociale"] == "Association numéro 0"
    assert imported.declared_up_to_date_on == date(2024, 12, 31)


def test_a_cell_whose_formula_failed_is_refused_not_imported() -> None:
    """Found by probing: « #N/A » became a reference, « #REF! » an authority's name."""
    row = contract_row(0, {"Référence": "#N/A", "Autorité": "#REF!"})
    content = as_xlsx([row])
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet is not None
    assert sheet["A2"].data_type == "e"  # an error cell, as Excel writes one
    assert problems("contrats.xlsx", content) == [
        "ligne 2, colonne « Référence » : la cellule contient une erreur de formule (#N/A) : la "
        "corriger dans le tableur",
        "ligne 2, colonne « Autorité » : la cellule contient une erreur de formule (#REF!) : la "
        "corriger dans le tableur",
    ]
