"""The calendars of the seeds, date by date.

The real Ille-et-Vilaine CPOM 2024-2028 (seed 001) is reproduced for its whole life; each other
preset lives one year as its seed describes it. The seed lines are in the comments, for audit;
what the tests read as a reason is each date's legal basis.
"""

from datetime import date

from cpom.domain import lifecycle as life
from cpom.domain.agenda import END_OF_WORKING_DAY, OpenRenegotiation, plan
from cpom.domain.calendar import MilestoneKind, build_calendar
from cpom.domain.terms import Sector
from tests.factories import make_terms

K = MilestoneKind
MONTHLY = {K.FUNDING_PAYMENT, K.MONTHLY_ACTIVITY_REPORT_DUE}


def year_of(sector: Sector, territory: str, year: int) -> list[tuple[date, str, str]]:
    calendar = build_calendar(make_terms(sector=sector, territory=territory))
    return [
        (m.day, m.kind.value, m.basis.law)
        for m in calendar.milestones
        if m.day.year == year and m.kind not in MONTHLY
    ]


# Every dated step of the Ille-et-Vilaine CPOM but the monthly ones, with its legal basis.
ILLE_ET_VILAINE = [
    # art. 16 (L407): takes effect on 1 January 2024 for five years.
    (date(2024, 1, 1), K.EFFET, "art. 16 du CPOM"),
    # art. 6 (L235, L271): the yearly arrêté tarifaire and the dotation paid once a year.
    (date(2024, 3, 31), K.DOTATION_PAYMENT, "art. 6 du CPOM ; CASF art. L. 314-2-1"),
    (date(2024, 3, 31), K.TARIFICATION_DUE, "art. 6 du CPOM ; CASF art. R. 314-36"),
    # art. 10 (L342): the rencontre annuelle.
    (date(2024, 6, 30), K.DIALOGUE_DE_GESTION, "art. 10 du CPOM"),
    (date(2025, 3, 31), K.DOTATION_PAYMENT, "art. 6 du CPOM ; CASF art. L. 314-2-1"),
    (date(2025, 3, 31), K.TARIFICATION_DUE, "art. 6 du CPOM ; CASF art. R. 314-36"),
    # art. 10 (L326): the documents of 2024 by 30 April 2025.
    (date(2025, 4, 30), K.ANNUAL_DOCUMENTS_DUE, "art. 10 du CPOM ; CASF art. R. 314-49"),
    # art. 6 (L271, L281, L285): regularised on the hours of N by 30 June N+1 (CNSA data).
    (date(2025, 6, 30), K.DOTATION_REGULARISATION_DUE, "art. 6 du CPOM ; CASF art. L. 314-2-1"),
    (date(2025, 6, 30), K.DOTATION_RECOVERY_REVIEW, "art. 6 du CPOM ; CASF art. L. 314-2-1"),
    (date(2025, 6, 30), K.DIALOGUE_DE_GESTION, "art. 10 du CPOM"),
    (date(2026, 3, 31), K.DOTATION_PAYMENT, "art. 6 du CPOM ; CASF art. L. 314-2-1"),
    (date(2026, 3, 31), K.TARIFICATION_DUE, "art. 6 du CPOM ; CASF art. R. 314-36"),
    (date(2026, 4, 30), K.ANNUAL_DOCUMENTS_DUE, "art. 10 du CPOM ; CASF art. R. 314-49"),
    (date(2026, 6, 30), K.DOTATION_REGULARISATION_DUE, "art. 6 du CPOM ; CASF art. L. 314-2-1"),
    (date(2026, 6, 30), K.DOTATION_RECOVERY_REVIEW, "art. 6 du CPOM ; CASF art. L. 314-2-1"),
    # art. 10 (L349): the dialogue de gestion of "N+3", at mid-term (cpom-rules A9).
    (date(2026, 6, 30), K.DIALOGUE_DE_GESTION, "art. 10 du CPOM"),
    (date(2026, 6, 30), K.MID_TERM_REVIEW, "art. 10 du CPOM"),
    (date(2027, 3, 31), K.DOTATION_PAYMENT, "art. 6 du CPOM ; CASF art. L. 314-2-1"),
    (date(2027, 3, 31), K.TARIFICATION_DUE, "art. 6 du CPOM ; CASF art. R. 314-36"),
    (date(2027, 4, 30), K.ANNUAL_DOCUMENTS_DUE, "art. 10 du CPOM ; CASF art. R. 314-49"),
    (date(2027, 6, 30), K.DOTATION_REGULARISATION_DUE, "art. 6 du CPOM ; CASF art. L. 314-2-1"),
    (date(2027, 6, 30), K.DOTATION_RECOVERY_REVIEW, "art. 6 du CPOM ; CASF art. L. 314-2-1"),
    (date(2027, 6, 30), K.DIALOGUE_DE_GESTION, "art. 10 du CPOM"),
    # The bilan and the next contract are prepared a year ahead (cpom-rules A12).
    (
        date(2027, 12, 31),
        K.RENEWAL_PREPARATION_START,
        "recommandation des guides méthodologiques, sans valeur contraignante",
    ),
    (date(2028, 3, 31), K.DOTATION_PAYMENT, "art. 6 du CPOM ; CASF art. L. 314-2-1"),
    (date(2028, 3, 31), K.TARIFICATION_DUE, "art. 6 du CPOM ; CASF art. R. 314-36"),
    (date(2028, 4, 30), K.ANNUAL_DOCUMENTS_DUE, "art. 10 du CPOM ; CASF art. R. 314-49"),
    (date(2028, 4, 30), K.FINAL_EXECUTION_REPORT_DUE, "art. 10 du CPOM"),
    (date(2028, 4, 30), K.PROROGATION_NOTICE_REMINDER, "art. 12 du CPOM"),
    (date(2028, 6, 30), K.DOTATION_REGULARISATION_DUE, "art. 6 du CPOM ; CASF art. L. 314-2-1"),
    (date(2028, 6, 30), K.DOTATION_RECOVERY_REVIEW, "art. 6 du CPOM ; CASF art. L. 314-2-1"),
    # art. 10 (L349): the dialogue de gestion "à la fin du CPOM".
    (date(2028, 6, 30), K.DIALOGUE_DE_GESTION, "art. 10 du CPOM"),
    (date(2028, 6, 30), K.FINAL_REVIEW, "art. 10 du CPOM"),
    # art. 12 and 16 (L377, L409-415): "au plus tard six mois avant l'échéance", both the last
    # day to give notice of a prorogation and the day the negotiation opens without one.
    (date(2028, 6, 30), K.PROROGATION_NOTICE_DEADLINE, "art. 12 du CPOM"),
    (date(2028, 6, 30), K.RENEGOTIATION_START, "art. 12 et 16 du CPOM"),
    (date(2028, 12, 31), K.ECHEANCE, "art. 16 du CPOM ; CASF art. L. 313-11"),
    (date(2029, 4, 30), K.ANNUAL_DOCUMENTS_DUE, "art. 10 du CPOM ; CASF art. R. 314-49"),
    (date(2029, 6, 30), K.DOTATION_REGULARISATION_DUE, "art. 6 du CPOM ; CASF art. L. 314-2-1"),
    (date(2029, 6, 30), K.DOTATION_RECOVERY_REVIEW, "art. 6 du CPOM ; CASF art. L. 314-2-1"),
]


class TestIlleEtVilaine2024To2028DateByDate:
    calendar = build_calendar(make_terms())

    def test_every_step_of_its_life_and_its_basis(self) -> None:
        steps = [
            (m.day, m.kind, m.basis.law) for m in self.calendar.milestones if m.kind not in MONTHLY
        ]
        assert steps == ILLE_ET_VILAINE

    def test_every_month_the_forfait_after_the_20th_and_the_apa_hours_by_the_15th(self) -> None:
        # art. 6 (L231) and art. 9 (L302).
        payments = [m.day for m in self.calendar.of_kind(K.FUNDING_PAYMENT)]
        reports = [m.day for m in self.calendar.of_kind(K.MONTHLY_ACTIVITY_REPORT_DUE)]
        assert payments == [date(y, m, 20) for y in range(2024, 2029) for m in range(1, 13)]
        assert reports == [
            date(y + (m == 12), m % 12 + 1, 15) for y in range(2024, 2029) for m in range(1, 13)
        ]

    def test_the_renegotiation_opens_at_the_end_of_30_june_2028(self) -> None:
        state = life.ContractState(make_terms(), life.Phase.BILAN)
        renegotiation = next(p for p in plan(state) if p.key == "renegociation")
        assert (renegotiation.day, renegotiation.hour) == (date(2028, 6, 30), END_OF_WORKING_DAY)
        assert renegotiation.action == OpenRenegotiation(
            "aucune demande de prorogation reçue au 30/06/2028"
        )

    def test_a_mutual_denonciation_runs_through_its_three_months(self) -> None:
        # art. 13 (L385): three months' préavis; 16 March 2026 → in force through 16 June.
        state = life.ContractState(make_terms(), life.Phase.EXECUTION)
        proposal = date(2026, 3, 10)
        life.apply_propose_denonciation(state, life.Party.AUTORITE, proposal, proposal, "a")
        last_day = life.apply_answer_denonciation(
            state, True, date(2026, 3, 16), date(2026, 3, 16), "g", life.Party.GESTIONNAIRE
        )
        assert last_day == date(2026, 6, 16)


def test_an_ars_year_from_seed_003_and_the_casf() -> None:
    # Seed 003 L110: the dialogue de gestion campaign runs from May to October; the EPRD and
    # the ERRD are the CASF's (R. 314-210 and following).
    assert year_of(Sector.ESMS_ARS, "44", 2026) == [
        (
            date(2026, 4, 30),
            "annual_documents_due",
            "CPOM, clause de suivi et d'évaluation ; CASF art. R. 314-232",
        ),
        (
            date(2026, 4, 30),
            "budget_forecast_due",
            "CPOM, clause de suivi et d'évaluation ; CASF art. R. 314-210",
        ),
        (date(2026, 6, 30), "tarification_due", "CPOM, clause financière ; CASF art. R. 314-36"),
        (date(2026, 10, 31), "dialogue_de_gestion", "CPOM, clause de suivi et d'évaluation"),
        (date(2026, 10, 31), "mid_term_review", "CPOM, clause de suivi et d'évaluation"),
    ]


def test_a_state_year_from_seed_004() -> None:
    # Seed 004 L691 (a dialogue at mid-term), L989 (the yearly subsidy avenant), L1122 (the
    # documents with the compte administratif), L1152 (the yearly arrêté).
    assert year_of(Sector.AHI_ETAT, "69", 2026) == [
        (date(2026, 4, 30), "annual_documents_due", "point IV du CPOM ; CASF art. R. 314-49"),
        (date(2026, 6, 30), "tarification_due", "point III du CPOM ; CASF art. R. 314-36"),
        (date(2026, 6, 30), "subsidy_avenant_due", "point III du CPOM ; CASF art. L. 313-11-2"),
        (date(2026, 6, 30), "dialogue_de_gestion", "point IV du CPOM"),
        (date(2026, 6, 30), "mid_term_review", "point IV du CPOM"),
    ]
    # Seed 004 modèle V.2 (L1222): notice and renegotiation twelve months before the échéance.
    calendar = build_calendar(make_terms(sector=Sector.AHI_ETAT, territory="69"))
    assert calendar.first(K.PROROGATION_NOTICE_DEADLINE).day == date(2027, 12, 31)
    assert calendar.first(K.RENEGOTIATION_START).basis.law == "point V.2 du CPOM"


def test_a_sad_year_from_seed_001() -> None:
    assert year_of(Sector.SAD, "35", 2026) == [
        (d, k.value, law) for d, k, law in ILLE_ET_VILAINE if d.year == 2026
    ]
