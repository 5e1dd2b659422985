"""The sheets of a contract's perimeter and co-signatories in the bulk import workbook.

« Établissements » lists the establishments and services each contract covers, « Autorités
cosignataires » the authorities that sign beside the lead one of the « Contrats » sheet; each row
names its contract by reference. A CSV file holds one table: contracts alone, as before.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from cpom.import_sheet import Column, SheetRow
from cpom.spreadsheet import normalized

ESTABLISHMENTS_SHEET = "Établissements"
CO_SIGNATORIES_SHEET = "Autorités cosignataires"
CONTRACT_REFERENCE = Column(
    "reference",
    "Référence du contrat",
    "text",
    True,
    "Référence du contrat, telle qu'écrite dans la feuille « Contrats ».",
)
# Column keys are the terms' own field names: a problem the terms find comes back to its cell.
ESTABLISHMENT_COLUMNS = (
    CONTRACT_REFERENCE,
    Column(
        "finess",
        "FINESS",
        "code",
        True,
        "FINESS de l'établissement ou du service (FINESS géographique) : 9 caractères, clé de "
        "Luhn comprise ; chaque établissement une seule fois par contrat.",
    ),
    Column("name", "Nom", "text", True, "Nom de l'établissement ou du service."),
    Column("category", "Catégorie", "text", False, "Facultative : EHPAD, SSIAD, foyer…"),
    Column(
        "authorisation",
        "Autorisation",
        "text",
        False,
        "Facultative : l'acte d'autorisation, tel qu'il se cite (« arrêté conjoint du "
        "12/03/2019, 15 ans »).",
    ),
    Column(
        "funded_by",
        "Financé par",
        "keys",
        False,
        "Facultatif : identifiants des autorités qui le financent, séparés par « ; » — celui "
        "de l'autorité de la feuille « Contrats » (colonne « Identifiant de l'autorité », à "
        "défaut son type : departement, ars ou etat) et ceux des autorités cosignataires. Vide : "
        "l'autorité de la feuille « Contrats ».",
    ),
)
CO_SIGNATORY_COLUMNS = (
    CONTRACT_REFERENCE,
    Column(
        "id",
        "Identifiant",
        "text",
        False,
        "Facultatif : nom court de l'autorité, que cite la colonne « Financé par » (cd35, "
        "prefet-35…) ; à défaut, son type (departement, ars ou etat). Distinct de celui des "
        "autres signataires du contrat.",
    ),
    Column("kind", "Type", "authority", True, "Département, ARS ou État."),
    Column("name", "Nom", "text", True, "Nom de l'autorité cosignataire."),
    Column(
        "territory",
        "Territoire",
        "territory",
        True,
        "Numéro du département de l'autorité (01 à 95, 2A, 2B, 971 à 978).",
    ),
    Column(
        "role",
        "Rôle",
        "role",
        False,
        "Facultatif : cosignataire (autorité qui cosigne pour les établissements sous sa "
        "tarification, par défaut) ou préfet (pour les dispositifs subventionnés).",
    ),
    Column(
        "email",
        "Courriel",
        "text",
        True,
        "Adresse de l'autorité qui reçoit, elle aussi, les avis du contrat.",
    ),
    Column("siren", "SIREN", "code", False, "Facultatif : SIREN de l'autorité, 9 chiffres."),
)
# Stand-ins for missing values, so that the terms' own checks still run on the rest of the
# rows; a contract with a stand-in is never created. The FINESS one is valid but names no
# département (00), so that it repeats no real establishment's.
ESTABLISHMENT_STAND_INS: dict[str, object] = {"finess": "000000018", "name": "-"}
CO_SIGNATORY_STAND_INS: dict[str, object] = {"name": "-", "territory": "75"}


def authority_key(values: Mapping[str, Any], id_key: str, kind_key: str) -> str | None:
    """The key an authority is known by (`Authority.key`), from a row's converted cells."""
    key: str | None = values.get(id_key) or values.get(kind_key)
    return key


def co_signatory(row: SheetRow) -> dict[str, Any]:
    """A co-signing authority of the terms, from its row."""
    values = {key: value for key, value in row.values.items() if key != "reference"}
    for key, stand_in in {**CO_SIGNATORY_STAND_INS, "role": "cosignataire"}.items():
        values.setdefault(key, stand_in)
    if "kind" in row.flagged and "id" not in row.values:
        # Known by its kind, which is missing: a key no other signatory has, so that no
        # second problem blames the identifier for it.
        values["id"] = f"ligne-{row.number}"
    return values


def establishment(row: SheetRow, keys: Sequence[str], *, funders: bool) -> dict[str, Any]:
    """An establishment of the terms, from its row; `keys`: its contract's authorities, to
    read the funders written without regard to case or accents."""
    values = {key: value for key, value in row.values.items() if key != "reference"}
    for key, stand_in in ESTABLISHMENT_STAND_INS.items():
        values.setdefault(key, stand_in)
    written = values.pop("funded_by", [])
    if funders and written:
        by_form = {normalized(key): key for key in keys}
        values["funded_by"] = [by_form.get(normalized(key), key) for key in written]
    return values
