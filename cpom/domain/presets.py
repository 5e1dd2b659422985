"""Sector presets: the rules each family of seeds sets, ready to be overridden per contract."""

from __future__ import annotations

from dataclasses import dataclass

from cpom.domain.terms import (
    AuthorityKind,
    ContractRules,
    DialogueCadence,
    DotationSchedule,
    Sector,
)


@dataclass(frozen=True, slots=True)
class Preset:
    sector: Sector
    label: str
    authority_kind: AuthorityKind
    rules: ContractRules
    notes: tuple[str, ...]


SAD = Preset(
    sector=Sector.SAD,
    label="Services autonomie à domicile (Département) : seeds 000, 001, 002",
    authority_kind=AuthorityKind.DEPARTEMENT,
    rules=ContractRules(
        prorogation_notice_months=6,
        prorogation_reply_months=2,
        prorogation_reply_target_months=1,
        renegotiation_start_months=6,
        renewal_preparation_months=12,
        dialogue_cadence=DialogueCadence.ANNUAL,
        dialogue_month=6,
        mutual_denonciation_preavis_months=3,
        authority_may_terminate_at_any_time=True,
        dotation_schedule=DotationSchedule.SINGLE_PLUS_REGULARISATION,
        annual_document_items=(
            "synthese_fiches_objectifs",
            "rapport_activite",
            "bilan_financier",
            "compte_administratif",
            "tableau_depenses_recettes",
        ),
        cadrage_months=1,
        diagnostic_months=3,
        negotiation_months=3,
    ),
    notes=(
        "Notification 6 mois avant l'échéance (seed 001 art. 12 et 16).",
        "Réponse : 2 mois (seed 001 art. 12) ou 1 mois (art. 16). L'acceptation tacite n'est "
        "retenue qu'après 2 mois ; l'autorité vise une réponse en 1 mois (cpom-rules §7 A2).",
        "Renégociation au plus tard 6 mois avant l'échéance (seed 001 art. 16), préparée dès "
        "12 mois avant (cpom-rules §7 A12).",
        "Documents annuels au plus tard le 30 avril N+1 (seed 001 L326, seed 000 L307).",
        "Rencontre annuelle (seed 001 L342), dialogue de gestion à mi-parcours et en fin de "
        "contrat (seed 001 L349, cpom-rules §7 A9).",
        "Dénonciation d'un commun accord avec préavis de 3 mois (seed 001 L385).",
        "Dotation complémentaire : versement unique et régularisation en N+1 (seed 001 L271).",
    ),
)

ESMS_ARS = Preset(
    sector=Sector.ESMS_ARS,
    label="Établissements et services médico-sociaux (ARS) : seed 003",
    authority_kind=AuthorityKind.ARS,
    rules=ContractRules(
        prorogation_notice_months=12,
        prorogation_reply_months=2,
        renegotiation_start_months=12,
        renewal_preparation_months=18,
        dialogue_cadence=DialogueCadence.ANNUAL,
        dialogue_month=10,
        breach_denonciation_preavis_months=6,
        annual_document_items=("compte_administratif", "indicateurs_tableau_de_bord"),
        cadrage_months=1,
        diagnostic_months=2,
        negotiation_months=2,
    ),
    notes=(
        "Le guide ARS (seed 003) ne prévoit pas de prorogation : 12 mois de notification et "
        "2 mois de réponse sont repris du modèle national (seed 002 art. 6), à confirmer au "
        "contrat.",
        "Dialogue de gestion annuel, campagne de mai à octobre N+1 (seed 003 L110).",
        "Dénonciation pour manquement avec préavis de 6 mois (seed 003 L286).",
        "Procédure standardisée rapide, deux rencontres au plus (seed 003 L29-31).",
    ),
)

AHI_ETAT = Preset(
    sector=Sector.AHI_ETAT,
    label="Accueil, hébergement, insertion (État) : seed 004",
    authority_kind=AuthorityKind.ETAT,
    rules=ContractRules(
        prorogation_notice_months=12,
        prorogation_reply_months=2,
        renegotiation_start_months=12,
        renewal_preparation_months=18,
        dialogue_cadence=DialogueCadence.MID_TERM,
        dialogue_month=6,
        authority_may_terminate_at_any_time=True,
        annual_document_items=(
            "compte_administratif",
            "bilan_etape",
            "rapport_activite",
            "indicateurs",
        ),
        cadrage_months=1,
        diagnostic_months=4,
        negotiation_months=4,
        authorisation_reply_months=2,
    ),
    notes=(
        "Notification 12 mois avant l'échéance, réponse en 2 mois (seed 004 modèle V.2, "
        "arrêté art. 2).",
        "Renégociation au plus tard 12 mois avant l'échéance, 18 mois conseillés pour les "
        "CPOM complexes (seed 004 L771).",
        "Dialogue de gestion a minima à mi-parcours (seed 004 L691).",
        "Modification ou résiliation unilatérale par l'autorité de tarification (seed 004 L1009).",
        "Demande d'autorisation (extension de capacité, places déclarées) : l'État se prononce "
        "dans les 2 mois de la réception ; son silence vaut rejet (loi ELAN, art. 125 IV ; "
        "seed 004 L892-894).",
    ),
)

PRESETS: dict[Sector, Preset] = {p.sector: p for p in (SAD, ESMS_ARS, AHI_ETAT)}
