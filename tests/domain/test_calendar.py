from dataclasses import replace
from datetime import date

import pytest

from cpom.domain.calendar import (
    ContractCalendar,
    MilestoneKind,
    _calendar,
    build_calendar,
    contract_years,
    reply_window,
)
from cpom.domain.calendar_law import CALENDAR_LAW
from cpom.domain.money_calendar import EVERY_MONTH
from cpom.domain.presets import PRESETS
from cpom.domain.terms import (
    ActionDeadline,
    Authority,
    AuthorityKind,
    DialogueCadence,
    DotationSchedule,
    Establishment,
    Gestionnaire,
    Prorogation,
    Sector,
    Silence,
)
from cpom.domain.terms_validation import prorogue
from tests.factories import make_terms

K = MilestoneKind


def dates(calendar: ContractCalendar, kind: MilestoneKind) -> list[date]:
    return [m.day for m in calendar.of_kind(kind)]


class TestIlleEtVilaine2024To2028:
    """The worked example of seed 001 (cpom-rules §3.10)."""

    calendar = build_calendar(make_terms())

    def test_echeance_and_cap(self) -> None:
        assert self.calendar.echeance == date(2028, 12, 31)
        assert self.calendar.echeance_max == date(2029, 12, 31)
        assert dates(self.calendar, K.ECHEANCE) == [date(2028, 12, 31)]
        assert dates(self.calendar, K.EFFET) == [date(2024, 1, 1)]

    def test_prorogation_notice_deadline_is_30_june_2028_and_hard(self) -> None:
        deadline = self.calendar.first(K.PROROGATION_NOTICE_DEADLINE)
        assert deadline.day == date(2028, 6, 30)
        assert deadline.hard
        assert deadline.basis.anchor == date(2028, 12, 31)
        assert "seed 001 art. 12" in deadline.basis.source
        assert dates(self.calendar, K.PROROGATION_NOTICE_REMINDER) == [date(2028, 4, 30)]

    def test_renegotiation_opens_at_the_latest_30_june_2028_and_is_prepared_a_year_ahead(
        self,
    ) -> None:
        assert dates(self.calendar, K.RENEGOTIATION_START) == [date(2028, 6, 30)]
        preparation = self.calendar.first(K.RENEWAL_PREPARATION_START)
        assert preparation.day == date(2027, 12, 31)
        assert not preparation.hard

    def test_annual_documents_due_30_april_n_plus_1_including_the_last_year(self) -> None:
        documents = self.calendar.of_kind(K.ANNUAL_DOCUMENTS_DUE)
        assert [m.day for m in documents] == [date(y, 4, 30) for y in range(2025, 2030)]
        assert [m.exercise for m in documents] == list(range(2024, 2029))
        assert [m.contract_year for m in documents] == [1, 2, 3, 4, 5]
        assert all(m.hard for m in documents)
        assert documents[3].basis.non_working_day == "dimanche"  # 30 April 2028

    def test_a_dialogue_de_gestion_every_year_and_mid_term_in_2026(self) -> None:
        assert dates(self.calendar, K.DIALOGUE_DE_GESTION) == [
            date(y, 6, 30) for y in range(2024, 2029)
        ]
        review = self.calendar.first(K.MID_TERM_REVIEW)
        assert review.day == date(2026, 6, 30)
        assert review.contract_year == 3

    def test_final_review_before_the_negotiation_of_the_next_contract(self) -> None:
        review = self.calendar.first(K.FINAL_REVIEW)
        assert review.day == date(2028, 6, 30)
        assert not review.hard
        assert "L388" in review.basis.source

    def test_final_execution_report_in_the_final_year(self) -> None:
        report = self.calendar.first(K.FINAL_EXECUTION_REPORT_DUE)
        assert report.day == date(2028, 4, 30)
        assert report.contract_year == 5

    def test_dotation_regularised_each_30_june_n_plus_1(self) -> None:
        assert dates(self.calendar, K.DOTATION_REGULARISATION_DUE) == [
            date(y, 6, 30) for y in range(2025, 2030)
        ]

    def test_signed_contract_has_no_pre_signature_targets(self) -> None:
        kinds = {m.kind for m in self.calendar.milestones}
        assert not kinds & {K.CADRAGE_END, K.DIAGNOSTIC_END, K.SIGNATURE_TARGET, K.SIGNATURE}

    def test_milestones_are_sorted_by_date(self) -> None:
        days = [m.day for m in self.calendar.milestones]
        assert days == sorted(days)
        assert self.calendar.warnings == ()


@pytest.mark.parametrize(
    ("received", "deadline", "tacit"),
    [
        # seed 001 art. 12: two months; 30 August 2028 is a Wednesday.
        (date(2028, 6, 30), date(2028, 8, 30), date(2028, 8, 31)),
        (date(2028, 6, 15), date(2028, 8, 16), date(2028, 8, 17)),  # 15 Aug holiday pushes on
        (date(2028, 4, 30), date(2028, 6, 30), date(2028, 7, 1)),
    ],
)
def test_reply_deadline_and_tacit_acceptance(received: date, deadline: date, tacit: date) -> None:
    calendar = build_calendar(make_terms(), received)
    reply = calendar.first(K.PROROGATION_REPLY_DEADLINE)
    assert reply.day == deadline
    assert reply.hard
    assert reply.on_silence is Silence.ACCEPT
    assert reply.basis.anchor == received
    assert dates(calendar, K.TACIT_ACCEPTANCE) == [tacit]
    assert dates(calendar, K.PROROGATION_NOTICE_RECEIVED) == [received]


def test_reply_target_uses_the_shorter_window_of_seed_001_article_16() -> None:
    calendar = build_calendar(make_terms(), date(2028, 6, 30))
    target = calendar.first(K.PROROGATION_REPLY_TARGET)
    assert target.day == date(2028, 7, 31)  # 30 July 2028 is a Sunday
    assert not target.hard
    assert target.basis.skipped[0].reason == "dimanche"


def test_one_month_reply_window_without_target() -> None:
    terms = make_terms(
        rules={"prorogation_reply_months": 1, "prorogation_reply_target_months": None}
    )
    calendar = build_calendar(terms, date(2028, 6, 30))
    assert dates(calendar, K.PROROGATION_REPLY_DEADLINE) == [date(2028, 7, 31)]
    assert dates(calendar, K.TACIT_ACCEPTANCE) == [date(2028, 8, 1)]
    assert calendar.of_kind(K.PROROGATION_REPLY_TARGET) == []


def test_late_notice_opens_no_reply_window_and_is_explained() -> None:
    calendar = build_calendar(make_terms(), date(2028, 7, 1))
    assert calendar.of_kind(K.PROROGATION_REPLY_DEADLINE) == []
    assert calendar.of_kind(K.TACIT_ACCEPTANCE) == []
    assert dates(calendar, K.PROROGATION_NOTICE_RECEIVED) == [date(2028, 7, 1)]
    assert "après la date limite du 30/06/2028" in calendar.warnings[0]
    window = reply_window(make_terms(), date(2028, 7, 1), date(2028, 12, 31))
    assert window.late_notice
    assert window.deadline is None


def test_accepted_prorogation_recomputes_the_calendar_on_the_new_echeance() -> None:
    prorogation = Prorogation(date(2028, 6, 30), date(2028, 8, 31), True, date(2029, 12, 31))
    calendar = build_calendar(prorogue(make_terms(), prorogation))
    assert calendar.echeance == date(2029, 12, 31)
    assert dates(calendar, K.ECHEANCE) == [date(2029, 12, 31)]
    assert dates(calendar, K.ANNUAL_DOCUMENTS_DUE)[-1] == date(2030, 4, 30)
    assert len(calendar.of_kind(K.ANNUAL_DOCUMENTS_DUE)) == 6
    assert dates(calendar, K.RENEGOTIATION_START) == [date(2029, 6, 30)]
    assert dates(calendar, K.FINAL_EXECUTION_REPORT_DUE) == [date(2029, 4, 30)]
    # The cap is reached: no further prorogation notice can be made.
    assert calendar.of_kind(K.PROROGATION_NOTICE_DEADLINE) == []
    accepted = calendar.first(K.PROROGATION_ACCEPTED)
    assert accepted.day == date(2028, 8, 31)
    assert "réputé acquis" in accepted.basis.rule
    assert "31/12/2029" in accepted.basis.rule


def test_prorogation_below_the_cap_leaves_a_new_notice_deadline() -> None:
    prorogation = Prorogation(date(2027, 6, 1), date(2027, 6, 20), False, date(2028, 6, 30))
    calendar = build_calendar(prorogue(make_terms(years=4), prorogation))
    assert dates(calendar, K.PROROGATION_NOTICE_DEADLINE) == [date(2027, 12, 30)]
    assert "accord exprès" in calendar.first(K.PROROGATION_ACCEPTED).basis.rule


def test_state_preset_counts_twelve_months_before_the_echeance() -> None:
    calendar = build_calendar(make_terms(sector=Sector.AHI_ETAT, territory="69"))
    assert dates(calendar, K.PROROGATION_NOTICE_DEADLINE) == [date(2027, 12, 31)]
    assert dates(calendar, K.RENEGOTIATION_START) == [date(2027, 12, 31)]
    assert dates(calendar, K.RENEWAL_PREPARATION_START) == [date(2027, 6, 30)]
    # Dialogue at least at mid-term, and the final one.
    assert dates(calendar, K.DIALOGUE_DE_GESTION) == [date(2026, 6, 30), date(2028, 6, 30)]
    assert calendar.of_kind(K.DOTATION_REGULARISATION_DUE) == []


def test_ars_preset_holds_its_dialogue_in_october() -> None:
    calendar = build_calendar(make_terms(sector=Sector.ESMS_ARS, territory="44"))
    assert dates(calendar, K.DIALOGUE_DE_GESTION) == [date(y, 10, 31) for y in range(2024, 2029)]


def test_advance_and_balance_schedule() -> None:
    terms = make_terms(rules={"dotation_schedule": DotationSchedule.ADVANCE_BALANCE})
    calendar = build_calendar(terms)
    assert dates(calendar, K.DOTATION_ADVANCE_DUE) == [date(y, 3, 31) for y in range(2024, 2029)]
    assert dates(calendar, K.DOTATION_BALANCE_DUE) == [date(y, 4, 30) for y in range(2025, 2030)]
    # The balance carries the regularisation; the review of the funded actions goes with it.
    assert dates(calendar, K.DOTATION_REGULARISATION_DUE) == []
    assert dates(calendar, K.DOTATION_RECOVERY_REVIEW) == [
        date(y, 4, 30) for y in range(2025, 2030)
    ]


def test_monthly_twelfths_are_paid_each_month_and_regularised_the_next_year() -> None:
    terms = make_terms(rules={"dotation_schedule": DotationSchedule.MONTHLY_TWELFTHS})
    calendar = build_calendar(terms)
    payments = dates(calendar, K.DOTATION_PAYMENT)
    assert len(payments) == 60
    assert payments[:3] == [date(2024, 1, 20), date(2024, 2, 20), date(2024, 3, 20)]
    assert payments[-1] == date(2028, 12, 20)
    assert dates(calendar, K.DOTATION_ADVANCE_DUE) == []
    assert dates(calendar, K.DOTATION_REGULARISATION_DUE) == [
        date(y, 6, 30) for y in range(2025, 2030)
    ]
    assert dates(calendar, K.DOTATION_RECOVERY_REVIEW) == [
        date(y, 6, 30) for y in range(2025, 2030)
    ]


def test_mid_year_contract_has_one_documents_package_per_exercise() -> None:
    calendar = build_calendar(make_terms(effet=date(2024, 7, 1), years=3))
    assert calendar.echeance == date(2027, 6, 30)
    assert [m.exercise for m in calendar.of_kind(K.ANNUAL_DOCUMENTS_DUE)] == [
        2024,
        2025,
        2026,
        2027,
    ]
    # Contract year 1 runs July 2024 to June 2025: its June dialogue is in 2025.
    assert dates(calendar, K.DIALOGUE_DE_GESTION) == [
        date(2025, 6, 30),
        date(2026, 6, 30),
        date(2027, 6, 30),
    ]
    assert dates(calendar, K.FINAL_EXECUTION_REPORT_DUE) == [date(2027, 4, 30)]


def test_final_report_date_falls_inside_the_final_year() -> None:
    # Final year runs 1 Oct 2027 to 30 Sep 2028: 30 April 2028 is inside it.
    calendar = build_calendar(make_terms(effet=date(2024, 10, 1), years=4))
    assert dates(calendar, K.FINAL_EXECUTION_REPORT_DUE) == [date(2028, 4, 30)]
    # Final year 1 March 2027 to 29 Feb 2028, report due 30 April would fall after: cut.
    calendar = build_calendar(
        make_terms(
            effet=date(2025, 3, 1),
            years=3,
            rules={
                "final_execution_report_due": replace(
                    PRESETS[Sector.SAD].rules.final_execution_report_due, month=2, day=1
                )
            },
        )
    )
    assert dates(calendar, K.FINAL_EXECUTION_REPORT_DUE) == [date(2028, 2, 1)]


def test_final_report_is_cut_at_the_echeance() -> None:
    calendar = build_calendar(
        make_terms(
            effet=date(2025, 6, 1),
            years=2,
            rules={
                "final_execution_report_due": replace(
                    PRESETS[Sector.SAD].rules.final_execution_report_due, month=5, day=31
                )
            },
        )
    )
    assert calendar.echeance == date(2027, 5, 31)
    assert dates(calendar, K.FINAL_EXECUTION_REPORT_DUE) == [date(2027, 5, 31)]


def test_final_review_can_come_earlier() -> None:
    calendar = build_calendar(make_terms(rules={"final_review_months": 9}))
    assert dates(calendar, K.FINAL_REVIEW) == [date(2028, 3, 31)]


def test_explicit_mid_term_year() -> None:
    calendar = build_calendar(make_terms(rules={"mid_term_year": 2}))
    assert dates(calendar, K.MID_TERM_REVIEW) == [date(2025, 6, 30)]


def test_mid_term_cadence_on_a_three_year_contract() -> None:
    terms = make_terms(years=3, rules={"dialogue_cadence": DialogueCadence.MID_TERM})
    calendar = build_calendar(terms)
    assert dates(calendar, K.DIALOGUE_DE_GESTION) == [date(2025, 6, 30), date(2026, 6, 30)]


def test_unsigned_contract_counts_back_from_the_effect_date() -> None:
    calendar = build_calendar(make_terms(signed=False))
    assert dates(calendar, K.SIGNATURE_TARGET) == [date(2023, 12, 31)]
    assert dates(calendar, K.DIAGNOSTIC_END) == [date(2023, 9, 30)]
    assert dates(calendar, K.CADRAGE_END) == [date(2023, 6, 30)]
    assert dates(calendar, K.CADRAGE_START) == [date(2023, 5, 30)]
    assert not any(m.hard for m in calendar.milestones if m.day < date(2024, 1, 1))


def test_unsigned_contract_with_a_start_counts_forward_targets() -> None:
    terms = make_terms(sector=Sector.AHI_ETAT, signed=False, process_started_on=date(2023, 1, 15))
    calendar = build_calendar(terms)
    assert dates(calendar, K.CADRAGE_END) == [date(2023, 2, 15)]
    assert dates(calendar, K.DIAGNOSTIC_END) == [date(2023, 6, 15)]
    assert dates(calendar, K.SIGNATURE_TARGET) == [date(2023, 10, 15)]
    assert calendar.of_kind(K.CADRAGE_START) == []


def test_signature_date_is_recorded() -> None:
    calendar = build_calendar(make_terms(signed_on=date(2023, 12, 12)))
    assert dates(calendar, K.SIGNATURE) == [date(2023, 12, 12)]
    assert calendar.milestones[0].label == "Signature du contrat"


def test_contract_years_cut_the_last_year_at_the_echeance() -> None:
    assert contract_years(date(2024, 1, 1), date(2026, 6, 30)) == [
        (1, date(2024, 1, 1), date(2024, 12, 31)),
        (2, date(2025, 1, 1), date(2025, 12, 31)),
        (3, date(2026, 1, 1), date(2026, 6, 30)),
    ]


def test_dialogue_month_absent_from_a_short_final_year_falls_at_its_end() -> None:
    # Prorogued by six months: the last contract year ends on 30 June 2029, before October.
    prorogation = Prorogation(date(2027, 12, 1), date(2028, 1, 5), False, date(2029, 6, 30))
    terms = prorogue(make_terms(sector=Sector.ESMS_ARS), prorogation)
    assert dates(build_calendar(terms), K.DIALOGUE_DE_GESTION)[-1] == date(2029, 6, 30)


def test_contracts_of_the_same_dates_rules_and_territory_share_one_calendar() -> None:
    terms = make_terms()
    other = replace(
        terms,
        reference="CPOM-AUTRE",
        authority=replace(terms.authority, name="Autre autorité", email="autre@example.org"),
        gestionnaire=Gestionnaire("Autre gestionnaire", "autre@example.org"),
        co_signatories=(Authority(AuthorityKind.ARS, "ARS Bretagne", "35", id="ars"),),
        establishments=(Establishment("350000000", "SAAD"),),
        action_deadlines=(ActionDeadline("a1", "Action", date(2026, 6, 30)),),
    )
    assert build_calendar(other) is build_calendar(terms)
    # What a calendar leaves out of the terms is what it never read: built from the whole
    # terms, without the cache, it is the same.
    resources = {2025: date(2025, 2, 3)}
    for notice in (None, date(2027, 9, 1)):
        whole = _calendar.__wrapped__(
            other, notice, tuple(resources.items()), EVERY_MONTH, CALENDAR_LAW
        )
        assert whole == build_calendar(other, notice, resources)
    elsewhere = replace(terms, authority=replace(terms.authority, territory="67"))
    assert build_calendar(elsewhere) is not build_calendar(terms)
