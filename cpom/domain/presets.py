"""Sector presets: the rules each family of seeds sets, ready to be overridden per contract.

Each preset explains its values in `notes`: the parameters a note covers, what it says in legal
words (the model contract's clause, the law), and the seed lines it was drawn from, for audit.
"""

from __future__ import annotations

from dataclasses import dataclass

from cpom.domain.terms import (
    AuthorityKind,
    BudgetRegime,
    ContractRules,
    DialogueCadence,
    DotationSchedule,
    MonthDay,
    Sector,
)


@dataclass(frozen=True, slots=True)
class PresetNote:
    parameters: tuple[str, ...]
    text: str
    law: str
    source: str


@dataclass(frozen=True, slots=True)
class Preset:
    sector: Sector
    label: str
    authority_kind: AuthorityKind
    rules: ContractRules
    notes: tuple[PresetNote, ...]


SAD = Preset(
    sector=Sector.SAD,
    label="Services autonomie à domicile (Département)",
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
        # The Département's model (Ille-et-Vilaine 2024-2028) numbers its clauses so.
        article_duration="art. 16",
        article_prorogation="art. 12",
        article_renegotiation="art. 16",
        article_follow_up="art. 10",
        article_denonciation="art. 13",
        article_finances="art. 6",
        article_activity_report="art. 9",
        funding_paid_monthly=True,
        monthly_payment_day=20,
        monthly_activity_report_day=15,
        budget_regime=BudgetRegime.CONTRACT_DOCUMENTS,
        tarification_due=MonthDay(3, 31),
    ),
    notes=(
        PresetNote(
            ("prorogation_notice_months", "prorogation_reply_months"),
            "Notification d'une prorogation simple au plus tard 6 mois avant l'échéance ; "
            "réponse dans les 2 mois, le silence valant accord (l'autorité vise 1 mois).",
            "art. 12 et 16 du CPOM ; CPC art. 640 à 642",
            "seed 001 art. 12 L377-381 et art. 16 L409-415 ; cpom-rules §7 A2",
        ),
        PresetNote(
            ("renegotiation_start_months", "renewal_preparation_months"),
            "Sans demande de prorogation, négociation d'un nouveau CPOM au plus tard 6 mois "
            "avant l'échéance, préparée dès 12 mois avant.",
            "art. 16 du CPOM",
            "seed 001 art. 16 L415 ; cpom-rules §7 A12",
        ),
        PresetNote(
            ("annual_documents_due", "annual_document_items", "budget_regime"),
            "Le CPOM déroge à la procédure budgétaire annuelle contradictoire ; documents "
            "annuels, dont le compte administratif, au plus tard le 30 avril N+1.",
            "art. 8 et 10 du CPOM ; CASF art. L. 314-7 et R. 314-49",
            "seed 001 L289, L326 ; seed 000 L307",
        ),
        PresetNote(
            ("dialogue_cadence", "dialogue_month"),
            "Rencontre annuelle ; dialogue de gestion à mi-parcours et en fin de contrat.",
            "art. 10 du CPOM",
            "seed 001 L342-349 ; cpom-rules §7 A9",
        ),
        PresetNote(
            ("mutual_denonciation_preavis_months",),
            "Dénonciation d'un commun accord avec préavis de 3 mois, par lettre recommandée.",
            "art. 13 du CPOM ; CPC art. 640 et 641",
            "seed 001 L385",
        ),
        PresetNote(
            ("funding_paid_monthly", "monthly_payment_day"),
            "Forfait global APA versé chaque mois, à terme à échoir, après le 20, par douzième.",
            "art. 6 du CPOM",
            "seed 001 L231",
        ),
        PresetNote(
            ("monthly_activity_report_day",),
            "Heures APA du mois échu transmises avant le 15 du mois suivant.",
            "art. 9 du CPOM",
            "seed 001 L302 ; cpom-rules §7 A29",
        ),
        PresetNote(
            ("tarification_due",),
            "Un arrêté tarifaire fixe chaque année le forfait global et le tarif horaire ; "
            "date cible au 31 mars.",
            "art. 6 du CPOM ; CASF art. L. 314-1",
            "seed 001 L235 ; seed 000 L286",
        ),
        PresetNote(
            (
                "dotation_schedule",
                "dotation_single_payment_due",
                "dotation_regularisation_due",
            ),
            "Dotation complémentaire en un seul versement, régularisée l'année suivante sur "
            "les heures effectuées, au plus tard le 30 juin N+1 ; suspendue ou récupérée si les "
            "actions financées ne sont pas réalisées.",
            "art. 6 du CPOM ; CASF art. L. 314-2-1",
            "seed 001 L271, L281, L285",
        ),
    ),
)

ESMS_ARS = Preset(
    sector=Sector.ESMS_ARS,
    label="Établissements et services médico-sociaux (ARS)",
    authority_kind=AuthorityKind.ARS,
    rules=ContractRules(
        prorogation_notice_months=12,
        prorogation_reply_months=2,
        renegotiation_start_months=12,
        renewal_preparation_months=18,
        dialogue_cadence=DialogueCadence.ANNUAL,
        dialogue_month=10,
        breach_denonciation_preavis_months=6,
        # The ERRD of N and its reports go by 30 April N+1 (the annual documents).
        annual_document_items=("errd", "rapport_activite", "indicateurs_tableau_de_bord"),
        cadrage_months=1,
        diagnostic_months=2,
        negotiation_months=2,
        funding_paid_monthly=True,
        monthly_payment_day=20,
        budget_regime=BudgetRegime.EPRD,
        tarification_due=MonthDay(6, 30),
    ),
    notes=(
        PresetNote(
            ("prorogation_notice_months", "prorogation_reply_months"),
            "Le guide de l'ARS ne prévoit pas de prorogation : 12 mois de notification et 2 "
            "mois de réponse sont repris du contrat type national, à confirmer au contrat.",
            "CPOM, clause de prorogation ; CPC art. 640 à 642",
            "seed 003 ; seed 002 art. 6 L650-666",
        ),
        PresetNote(
            ("budget_regime", "budget_forecast_due", "budget_forecast_days_after_notification"),
            "EPRD de l'exercice N au plus tard le 30 avril N, ou dans les 30 jours suivant la "
            "dernière notification des ressources si elle est plus tardive.",
            "CASF art. L. 313-12-2 et R. 314-210",
            "cpom-rules §3.4 (hors seeds)",
        ),
        PresetNote(
            ("annual_documents_due", "annual_document_items"),
            "ERRD de l'exercice N, avec le rapport d'activité et les indicateurs du tableau de "
            "bord de la performance, au plus tard le 30 avril N+1.",
            "CASF art. R. 314-232",
            "seed 003 L119, L275-276 ; cpom-rules §5.5",
        ),
        PresetNote(
            ("tarification_due",),
            "Notification annuelle des ressources de l'exercice par l'ARS (date cible au 30 juin).",
            "CASF art. R. 314-36",
            "seed 003 L228-229",
        ),
        PresetNote(
            ("funding_paid_monthly", "monthly_payment_day"),
            "Dotation globalisée commune versée chaque mois, par douzième, le 20 ou le dernier "
            "jour ouvré qui le précède.",
            "CASF art. R. 314-43-1 et R. 314-107",
            "seed 003 L228",
        ),
        PresetNote(
            ("dialogue_cadence", "dialogue_month"),
            "Dialogue de gestion annuel, campagne de mai à octobre N+1.",
            "CPOM, clause de suivi et d'évaluation",
            "seed 003 L110",
        ),
        PresetNote(
            ("breach_denonciation_preavis_months",),
            "Dénonciation pour manquement avec préavis de 6 mois ; à la fin du contrat, retour "
            "à la procédure budgétaire contradictoire annuelle.",
            "CPOM, clause de dénonciation ; CPC art. 640 et 641 ; CASF art. L. 314-7",
            "seed 003 L282-289",
        ),
    ),
)

AHI_ETAT = Preset(
    sector=Sector.AHI_ETAT,
    label="Accueil, hébergement, insertion (État)",
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
        # The model contract annexed to the arrêté of 25 October 2019 numbers its parts so.
        article_duration="point VIII",
        article_prorogation="point V.2",
        article_renegotiation="point V.2",
        article_follow_up="point IV",
        article_denonciation="point V.1",
        article_finances="point III",
        funding_paid_monthly=True,
        monthly_payment_day=20,
        budget_regime=BudgetRegime.CONTRACT_DOCUMENTS,
        tarification_due=MonthDay(6, 30),
        subsidy_avenant_due=MonthDay(6, 30),
        authorisation_reply_months=2,
    ),
    notes=(
        PresetNote(
            ("prorogation_notice_months", "prorogation_reply_months"),
            "Notification d'une prorogation simple au plus tard 12 mois avant l'échéance ; "
            "réponse des autres signataires dans les 2 mois, le silence valant accord.",
            "point V.2 du CPOM ; arrêté du 25 octobre 2019, art. 2 ; CPC art. 640 à 642",
            "seed 004 modèle V.2 L1220-1226 ; arrêté art. 2 L940-942",
        ),
        PresetNote(
            ("renegotiation_start_months", "renewal_preparation_months"),
            "Renégociation au plus tard 12 mois avant l'échéance, 18 mois conseillés pour les "
            "CPOM complexes.",
            "point V.2 du CPOM",
            "seed 004 L771",
        ),
        PresetNote(
            ("dialogue_cadence",),
            "Dialogue de gestion a minima à mi-parcours.",
            "point IV du CPOM",
            "seed 004 L691, L1203",
        ),
        PresetNote(
            ("annual_document_items", "budget_regime"),
            "Le contrat fixe les documents budgétaires annuels et leurs délais : compte "
            "administratif, bilan d'étape, rapport d'activité, indicateurs.",
            "point IV du CPOM ; CASF art. L. 313-11-2 et R. 314-49",
            "seed 004 L991, L1122, L1148, L1204",
        ),
        PresetNote(
            ("subsidy_avenant_due",),
            "Un avenant annuel fixe le montant des subventions des dispositifs subventionnés "
            "(date cible au 30 juin).",
            "point III du CPOM ; CASF art. L. 313-11-2",
            "seed 004 L989, L1189",
        ),
        PresetNote(
            ("tarification_due", "funding_paid_monthly", "monthly_payment_day"),
            "Arrêté annuel fixant la dotation globale de financement (date cible au 30 juin), "
            "versée chaque mois par douzième, le 20 ou le dernier jour ouvré qui le précède.",
            "point III du CPOM ; CASF art. R. 314-36 et R. 314-107",
            "seed 004 L1152",
        ),
        PresetNote(
            ("authorisation_reply_months", "authorisation_silence"),
            "Demande d'autorisation (extension de capacité, places déclarées) : l'État se "
            "prononce dans les 2 mois de la réception ; son silence vaut rejet.",
            "loi n° 2018-1021 du 23 novembre 2018, art. 125 IV ; CPC art. 640 à 642",
            "seed 004 L890-894 ; cpom-rules T105, §7 A26",
        ),
        PresetNote(
            ("authority_may_terminate_at_any_time",),
            "Modification ou résiliation unilatérale par l'autorité de tarification.",
            "point V.1 du CPOM",
            "seed 004 L1009, L1216-1218",
        ),
    ),
)

PRESETS: dict[Sector, Preset] = {p.sector: p for p in (SAD, ESMS_ARS, AHI_ETAT)}
