"""The money and budget calendars of each preset, and the decisions that move them."""

from dataclasses import replace
from datetime import date, timedelta

import pytest

from cpom.domain import lifecycle as life
from cpom.domain.agenda import NoticeKind, Notify, plan
from cpom.domain.budget_decisions import apply_record_tarification, check_record_tarification
from cpom.domain.calendar import MilestoneKind, build_calendar
from cpom.domain.calendar_law import CALENDAR_LAW
from cpom.domain.live_agenda import AgendaItem, live_agenda, next_deadline
from cpom.domain.terms import DotationSchedule, Sector
from tests.factories import make_terms

K = MilestoneKind
AGENT = "agent ARS"


def days(kind: MilestoneKind, **terms_changes: object) -> list[date]:
    calendar = build_calendar(make_terms(**terms_changes))  # type: ignore[arg-type]
    return [m.day for m in calendar.of_kind(kind)]


def ars_state(**changes: object) -> life.ContractState:
    terms = make_terms(sector=Sector.ESMS_ARS, territory="44", **changes)  # type: ignore[arg-type]
    return life.ContractState(terms, life.Phase.EXECUTION)


def agenda(state: life.ContractState) -> dict[str, AgendaItem]:
    return {item.key: item for item in live_agenda(state)}


class TestIlleEtVilaineMoney:
    """Seed 001, art. 6 and 9: the forfait after the 20th, the APA hours before the 15th, the
    dotation complémentaire paid once and regularised the next year."""

    def test_the_forfait_is_paid_after_the_20th_of_every_month_in_force(self) -> None:
        payments = days(K.FUNDING_PAYMENT)
        assert len(payments) == 60
        assert payments[:2] == [date(2024, 1, 20), date(2024, 2, 20)]
        assert payments[-1] == date(2028, 12, 20)

    def test_the_apa_hours_of_a_month_are_due_by_the_15th_of_the_next(self) -> None:
        reports = build_calendar(make_terms()).of_kind(K.MONTHLY_ACTIVITY_REPORT_DUE)
        assert [m.day for m in reports[:2]] == [date(2024, 2, 15), date(2024, 3, 15)]
        # December 2028, the last month in force, is reported in January 2029.
        assert (reports[-1].day, reports[-1].exercise) == (date(2029, 1, 15), 2028)
        assert reports[0].basis.law == "art. 9 du CPOM"

    def test_the_dotation_is_paid_once_then_regularised_and_reviewed_the_next_year(self) -> None:
        assert days(K.DOTATION_PAYMENT) == [date(y, 3, 31) for y in range(2024, 2029)]
        assert days(K.DOTATION_REGULARISATION_DUE) == [date(y, 6, 30) for y in range(2025, 2030)]
        review = build_calendar(make_terms()).first(K.DOTATION_RECOVERY_REVIEW)
        assert review.day == date(2025, 6, 30)
        assert "récupérée" in review.basis.rule
        assert review.basis.law == "art. 6 du CPOM ; CASF art. L. 314-2-1"

    def test_a_contract_taking_effect_mid_month_pays_nothing_before_its_effect(self) -> None:
        payments = days(K.FUNDING_PAYMENT, effet=date(2024, 1, 25))
        assert payments[0] == date(2024, 2, 20)
        assert days(K.DOTATION_PAYMENT, effet=date(2024, 7, 1))[0] == date(2025, 3, 31)

    def test_payments_and_monthly_reports_are_never_the_next_deadline(self) -> None:
        state = life.ContractState(make_terms(), life.Phase.EXECUTION)
        upcoming = next_deadline(live_agenda(state), date(2024, 1, 2))
        assert upcoming is not None
        assert upcoming.kind == K.ANNUAL_DOCUMENTS_DUE.value

    def test_twelfths_and_advance_balance_schedules(self) -> None:
        twelfths = days(
            K.DOTATION_PAYMENT, rules={"dotation_schedule": DotationSchedule.MONTHLY_TWELFTHS}
        )
        assert len(twelfths) == 60
        none = days(K.DOTATION_PAYMENT, rules={"dotation_schedule": DotationSchedule.NONE})
        assert none == []
        assert (
            days(K.DOTATION_RECOVERY_REVIEW, rules={"dotation_schedule": DotationSchedule.NONE})
            == []
        )


class TestArsBudgetCycle:
    def test_the_eprd_is_due_by_30_april_of_its_year_and_the_errd_the_next(self) -> None:
        calendar = build_calendar(ars_state().terms)
        eprd = calendar.of_kind(K.BUDGET_FORECAST_DUE)
        assert [m.day for m in eprd] == [date(y, 4, 30) for y in range(2024, 2029)]
        assert eprd[0].basis.law == "CPOM, clause de suivi et d'évaluation ; CASF art. R. 314-210"
        errd = calendar.of_kind(K.ANNUAL_DOCUMENTS_DUE)
        assert [m.day for m in errd] == [date(y, 4, 30) for y in range(2025, 2030)]
        assert errd[0].basis.law.endswith("CASF art. R. 314-232")
        assert ars_state().terms.rules.annual_document_items[0] == "errd"

    @pytest.mark.parametrize(
        ("notified_on", "due", "moved"),
        [
            (date(2025, 3, 10), date(2025, 4, 30), False),
            (date(2025, 3, 31), date(2025, 4, 30), False),  # 31 March + 30 days: 30 April
            (date(2025, 4, 15), date(2025, 5, 15), True),
            (date(2025, 6, 30), date(2025, 7, 30), True),
        ],
    )
    def test_a_late_notification_of_resources_moves_the_eprd(
        self, notified_on: date, due: date, moved: bool
    ) -> None:
        state = ars_state()
        check_record_tarification(state, 2025, notified_on, date(2025, 7, 1))
        summary = apply_record_tarification(state, 2025, notified_on, date(2025, 7, 1), AGENT)
        eprd = agenda(state)["eprd:2025"]
        assert eprd.day == due
        assert (eprd.basis.anchor == notified_on) is moved
        assert f"au plus tard le {due:%d/%m/%Y}" in summary
        assert agenda(state)["tarification:2025"].done_on == notified_on

    @pytest.mark.parametrize(
        ("law", "due"), [(2, date(2026, 12, 5)), (CALENDAR_LAW, date(2026, 12, 7))]
    )
    def test_the_eprds_days_from_a_late_notification_end_on_a_working_day(
        self, law: int, due: date
    ) -> None:
        """Found by probing: 30 days from 5 November 2026 ended on Saturday 5 December. Under
        calendar law 3 they end on Monday 7 December (CPC art. 642); a contract begun under law
        2 keeps its day until it adopts the new law."""
        state = ars_state()
        state.calendar_law = law
        notified_on = date(2026, 11, 5)
        summary = apply_record_tarification(state, 2026, notified_on, date(2026, 11, 6), AGENT)
        assert f"au plus tard le {due:%d/%m/%Y}" in summary
        assert state.events[-1].details["budget_forecast_due"] == due.isoformat()
        eprd = agenda(state)["eprd:2026"]
        assert eprd.day == due
        skipped = [(s.day, s.reason) for s in eprd.basis.skipped]
        if law >= 3:
            assert skipped == [(date(2026, 12, 5), "samedi"), (date(2026, 12, 6), "dimanche")]
            assert eprd.basis.non_working_day is None
        else:
            assert (skipped, eprd.basis.non_working_day) == ([], "samedi")
        # The relance the day after the last day, as the workflow plans it.
        relance = next(p.day for p in plan(state) if p.key == "eprd:relance:2026")
        assert relance == due + timedelta(days=1)

    def test_the_eprd_is_fulfilled_by_its_document_and_its_reminders_stop(self) -> None:
        state = ars_state()
        keys = {p.key for p in plan(state)}
        assert {"eprd:rappel:2025:30", "eprd:rappel:2025:7", "eprd:relance:2025"} <= keys
        reminder = next(p for p in plan(state) if p.key == "eprd:rappel:2025:30")
        assert reminder.day == date(2025, 3, 31)
        assert isinstance(reminder.action, Notify)
        assert reminder.action.kind is NoticeKind.BUDGET_FORECAST_REMINDER
        life.check_submit_documents(state, 2025, ["eprd"])
        life.apply_submit_documents(state, 2025, ["eprd"], date(2025, 4, 2), "direction")
        assert not {
            k for k in (p.key for p in plan(state)) if k.startswith("eprd:") and ":2025" in k
        }
        assert agenda(state)["eprd:2025"].done_on == date(2025, 4, 2)
        # The EPRD is no annual document: the ERRD of 2025 is still awaited.
        assert life.missing_items(state, 2025) == [
            "errd",
            "rapport_activite",
            "indicateurs_tableau_de_bord",
        ]

    def test_the_eprd_comes_within_its_exercise_the_errd_once_it_is_over(self) -> None:
        state = ars_state()
        life.check_submit_documents(state, 2025, ["eprd"], date(2025, 3, 1))
        with pytest.raises(life.DecisionRefused) as refused:
            life.check_submit_documents(state, 2025, ["eprd", "errd"], date(2025, 3, 1))
        assert str(refused.value) == (
            "les pièces de l'exercice 2025 (ERRD) se transmettent à partir du 01/01/2026"
        )

    def test_an_eprd_is_refused_where_the_contract_has_none(self) -> None:
        state = life.ContractState(make_terms(), life.Phase.EXECUTION)
        with pytest.raises(life.DecisionRefused, match="pièces inconnues : « eprd »"):
            life.check_submit_documents(state, 2025, ["eprd"])

    @pytest.mark.parametrize(
        ("exercise", "notified_on", "message"),
        [
            (2030, date(2025, 1, 5), "l'exercice 2030 n'est pas couvert par le contrat"),
            (2025, date(2025, 9, 1), "la notification du 01/09/2025 est dans le futur"),
            (2027, date(2025, 1, 5), "ne peut porter sur l'exercice 2027"),
        ],
    )
    def test_a_tarification_is_refused_with_its_reason(
        self, exercise: int, notified_on: date, message: str
    ) -> None:
        with pytest.raises(life.DecisionRefused, match=message):
            check_record_tarification(ars_state(), exercise, notified_on, date(2025, 8, 1))

    def test_a_tarification_is_recorded_once_and_only_in_force(self) -> None:
        state = ars_state()
        apply_record_tarification(state, 2025, date(2025, 5, 2), date(2025, 5, 3), AGENT)
        with pytest.raises(
            life.DecisionRefused, match=r"déjà enregistrée \(notifiée le 02/05/2025"
        ):
            check_record_tarification(state, 2025, date(2025, 5, 4), date(2025, 5, 5))
        state.phase = life.Phase.ECHUE
        with pytest.raises(life.DecisionRefused, match="le contrat est terminé"):
            check_record_tarification(state, 2026, date(2026, 5, 4), date(2026, 5, 5))
        state.phase = life.Phase.NEGOCIATION
        with pytest.raises(life.DecisionRefused, match="pas encore signé"):
            check_record_tarification(state, 2026, date(2026, 5, 4), date(2026, 5, 5))

    def test_after_a_denonciation_the_esms_returns_to_the_contradictory_procedure(self) -> None:
        # The case: notified on 31 August 2026, six months: in force through 28 Feb.
        state = ars_state()
        last_day = life.apply_denounce(
            state, life.DenonciationMode.MANQUEMENT, date(2026, 8, 31), date(2026, 9, 1), AGENT
        )
        assert last_day == date(2027, 2, 28)
        resumed = state.events[-1]
        assert resumed.kind == "contradictory_procedure_resumed"
        assert resumed.summary == (
            "à la fin du contrat le 28/02/2027, retour à la procédure budgétaire contradictoire "
            "annuelle : propositions budgétaires de l'exercice 2028 au plus tard le 31/10/2027, "
            "compte administratif au plus tard le 30/04/2029"
        )
        proposals = agenda(state)["retour_contradictoire:2027-02-28"]
        assert (proposals.day, proposals.exercise) == (date(2027, 10, 31), 2028)
        assert proposals.basis.law == "CASF art. L. 314-7 et R. 314-3"
        accounts = agenda(state)["retour_contradictoire:ca:2027-02-28"]
        assert (accounts.day, accounts.exercise) == (date(2029, 4, 30), 2028)
        assert accounts.basis.law == "CASF art. R. 314-49"
        # Nothing of the contract is awaited after its last day: no EPRD 2027 reminder.
        assert "eprd:2028" not in agenda(state)

    def test_a_contract_under_the_contradictory_procedure_sends_proposals_each_year(self) -> None:
        from cpom.domain.terms import BudgetRegime

        terms = make_terms(
            sector=Sector.ESMS_ARS, rules={"budget_regime": BudgetRegime.CONTRADICTORY}
        )
        proposals = build_calendar(terms).of_kind(K.BUDGET_PROPOSALS_DUE)
        assert [(m.day, m.exercise) for m in proposals][:2] == [
            (date(2024, 10, 31), 2025),
            (date(2025, 10, 31), 2026),
        ]

    def test_law_1_contracts_keep_no_return_item(self) -> None:
        state = ars_state()
        state.calendar_law = 1
        life.apply_denounce(
            state, life.DenonciationMode.MANQUEMENT, date(2026, 8, 31), date(2026, 9, 1), AGENT
        )
        assert state.events[-1].kind == "denonciation_notified"
        assert not [k for k in agenda(state) if k.startswith("retour_contradictoire")]
        assert not [p for p in plan(state) if p.key.startswith("eprd:")]


class TestStateSubsidies:
    def test_a_yearly_avenant_fixes_the_subsidies_and_is_reminded_to_the_authority(self) -> None:
        terms = make_terms(sector=Sector.AHI_ETAT, territory="69")
        state = life.ContractState(terms, life.Phase.EXECUTION)
        item = agenda(state)["avenant_subventions:2025"]
        assert (item.day, item.waiting_for, item.action) == (
            date(2025, 6, 30),
            life.Party.AUTORITE,
            "sign_avenant",
        )
        assert item.basis.law == "point III du CPOM ; CASF art. L. 313-11-2"
        reminder = next(p for p in plan(state) if p.key == "avenant_subventions:rappel:2025")
        assert reminder.day == date(2025, 5, 31)
        life.apply_sign_avenant(
            state, None, date(2025, 5, 20), "subventions 2025", date(2025, 5, 21), AGENT
        )
        assert agenda(state)["avenant_subventions:2025"].done_on is not None
        assert "avenant_subventions:rappel:2025" not in {p.key for p in plan(state)}
        assert "avenant_subventions:rappel:2026" in {p.key for p in plan(state)}

    def test_presets_differ_in_what_they_pay_and_report(self) -> None:
        sad, ars, state = (
            build_calendar(make_terms(sector=s))
            for s in (Sector.SAD, Sector.ESMS_ARS, Sector.AHI_ETAT)
        )
        assert sad.of_kind(K.MONTHLY_ACTIVITY_REPORT_DUE)
        assert not ars.of_kind(K.MONTHLY_ACTIVITY_REPORT_DUE)
        assert ars.of_kind(K.BUDGET_FORECAST_DUE)
        assert not sad.of_kind(K.BUDGET_FORECAST_DUE)
        assert state.of_kind(K.SUBSIDY_AVENANT_DUE)
        assert not sad.of_kind(K.SUBSIDY_AVENANT_DUE)
        assert replace(make_terms().rules).funding_paid_monthly


def test_a_contract_may_set_no_monthly_payment_no_target_and_no_subsidy() -> None:
    terms = make_terms(
        rules={
            "funding_paid_monthly": False,
            "monthly_activity_report_day": None,
            "tarification_due": None,
        }
    )
    kinds = {m.kind for m in build_calendar(terms).milestones}
    assert not kinds & {K.FUNDING_PAYMENT, K.MONTHLY_ACTIVITY_REPORT_DUE, K.TARIFICATION_DUE}


def test_a_tarification_outside_the_eprd_regime_moves_no_deadline() -> None:
    state = life.ContractState(make_terms(), life.Phase.EXECUTION)
    summary = apply_record_tarification(state, 2025, date(2025, 4, 2), date(2025, 4, 3), "a")
    assert summary == "arrêté de tarification de l'exercice 2025 notifié le 02/04/2025"
    assert "budget_forecast_due" not in state.events[-1].details
    assert agenda(state)["tarification:2025"].done_on == date(2025, 4, 2)


def test_a_resiliation_ends_on_its_day_and_cites_the_clause() -> None:
    state = life.ContractState(make_terms(), life.Phase.EXECUTION)
    life.apply_terminate(
        state, life.ResiliationReason.LIQUIDATION, date(2026, 2, 3), date(2026, 2, 3), "a"
    )
    end = next(i for i in live_agenda(state) if i.key == "fin:2026-02-03")
    assert end.basis.law == "art. 13 du CPOM"
    assert end.basis.rule.startswith("liquidation judiciaire")


def test_under_law_1_an_early_end_keeps_its_plain_reason() -> None:
    state = life.ContractState(make_terms(), life.Phase.EXECUTION)
    state.calendar_law = 1
    life.apply_denounce(
        state, life.DenonciationMode.MUTUELLE, date(2026, 3, 16), date(2026, 3, 16), "a"
    )
    end = next(i for i in live_agenda(state) if i.key == "fin:2026-06-15")
    assert end.basis.law == "art. 13 du CPOM"
    assert "quantième" not in end.basis.rule


def test_readers_get_the_monthly_steps_of_the_current_contract_year_and_its_margins() -> None:
    from cpom.domain.live_agenda import monthly_window

    state = life.ContractState(make_terms(), life.Phase.EXECUTION)
    assert monthly_window(state.terms, date(2025, 3, 1)) == (date(2024, 12, 1), date(2026, 4, 2))
    monthly = [
        item.day
        for item in live_agenda(state, date(2025, 3, 1))
        if item.kind == K.FUNDING_PAYMENT.value
    ]
    assert (monthly[0], monthly[-1], len(monthly)) == (date(2024, 12, 20), date(2026, 3, 20), 16)
    # Yearly steps are all there, and without a day every month is.
    assert "tarification:2028" in agenda(state)
    everything = [i for i in live_agenda(state) if i.kind == K.FUNDING_PAYMENT.value]
    assert len(everything) == 60
    # No timer waits on a payment: the plan is built without them.
    assert not [p for p in plan(state) if "versement" in p.key]


class TestDotationGlobaleOnTheTwentieth:
    """CASF art. R. 314-107 (and R. 314-43-1 for a dotation globalisée commune): the twelfth is
    paid on the 20th or, when it is not a working day, on the last working day before it."""

    def test_a_twentieth_that_is_not_worked_is_paid_the_working_day_before(self) -> None:
        calendar = build_calendar(make_terms(sector=Sector.AHI_ETAT, territory="69"))
        payments = {m.day.replace(day=1): m for m in calendar.of_kind(K.FUNDING_PAYMENT)}
        # 20/01/2024 is a Saturday, 20/10/2024 a Sunday, 20/05/2024 is Whit Monday.
        assert payments[date(2024, 1, 1)].day == date(2024, 1, 19)
        assert payments[date(2024, 10, 1)].day == date(2024, 10, 18)
        assert payments[date(2024, 5, 1)].day == date(2024, 5, 17)
        assert payments[date(2024, 2, 1)].day == date(2024, 2, 20)
        moved = payments[date(2024, 5, 1)].basis
        assert moved.rule.endswith(
            "; le 20/05/2024 (jour férié : Lundi de Pentecôte) n'est pas ouvré : versement le "
            "17/05/2024"
        )
        assert moved.law == "point III du CPOM ; CASF art. R. 314-107"

    def test_a_dotation_globalisee_commune_too_but_never_before_the_effect(self) -> None:
        # Effect on Saturday 20/01/2024: the first twelfth is paid that day, not the day before.
        calendar = build_calendar(
            make_terms(sector=Sector.ESMS_ARS, territory="44", effet=date(2024, 1, 20))
        )
        first, second = calendar.of_kind(K.FUNDING_PAYMENT)[:2]
        assert (first.day, second.day) == (date(2024, 1, 20), date(2024, 2, 20))
        assert first.basis.law.endswith("CASF art. R. 314-43-1 et R. 314-107")

    def test_the_sad_forfait_paid_after_the_20th_does_not_move(self) -> None:
        assert days(K.FUNDING_PAYMENT)[0] == date(2024, 1, 20)
