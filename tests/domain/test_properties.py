"""Properties of the date law and the calendar, checked over generated contracts."""

from datetime import date, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cpom.domain import lifecycle as life
from cpom.domain.calendar import MilestoneKind, build_calendar
from cpom.domain.date_law import (
    add_months,
    anniversary,
    backward_deadline,
    days_after_event,
    echeance_after,
    forward_deadline,
    month_length,
    months_after_event,
)
from cpom.domain.terms import Sector
from cpom.domain.terms_input import terms_from_mapping
from cpom.domain.terms_validation import InvalidTerms, problems_of
from cpom.domain.working_days import is_working_day
from tests.factories import make_terms

TERRITORIES = ["35", "57", "67", "971", "972", "973", "974", "975", "976", "977", "978", "2A"]
days = st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31))
territories = st.sampled_from(TERRITORIES)
months = st.integers(min_value=1, max_value=24)


@given(days, months, territories)
def test_forward_deadline_is_a_working_day_never_before_plain_month_arithmetic(
    event: date, count: int, territory: str
) -> None:
    dated = forward_deadline(event, count, territory, rule="r", source="s")
    plain = add_months(event, count)
    assert dated.day >= plain
    assert is_working_day(territory, dated.day)
    # Every day between the plain end and the deadline was skipped, with a reason.
    skipped = [plain + timedelta(days=i) for i in range((dated.day - plain).days)]
    assert [s.day for s in dated.basis.skipped] == skipped
    assert all(not is_working_day(territory, d) for d in skipped)
    assert len(skipped) <= 4  # at most a long weekend with holidays on either side


def _shortest_months(count: int) -> int:
    """Days in the shortest run of `count` consecutive calendar months."""
    lengths = [month_length(2000 + i // 12, i % 12 + 1) for i in range(12 * 8)]
    return min(sum(lengths[i : i + count]) for i in range(len(lengths) - count))


@given(days, months)
def test_a_delay_from_an_event_is_never_shorter_than_its_months(event: date, count: int) -> None:
    """CPC art. 641: from the day after the event to the same day number `count` months later,
    or to the last day of that month when it has none; a shorter month never shortens it."""
    end = months_after_event(event, count)
    assert (end.year * 12 + end.month) - (event.year * 12 + event.month) == count
    month_end = (end + timedelta(days=1)).day == 1
    assert end.day == event.day or (month_end and end.day < event.day)
    # Never fewer days than the shortest `count` months (old count: 31/08 + 6 → 27/02, 180).
    assert (end - event).days >= _shortest_months(count)


@given(days, days, months)
def test_a_delay_from_an_event_is_monotone_in_the_event(
    first: date, second: date, count: int
) -> None:
    earlier, later = sorted((first, second))
    assert months_after_event(earlier, count) <= months_after_event(later, count)


@given(days, st.integers(min_value=1, max_value=366))
def test_a_delay_in_days_does_not_count_the_day_of_the_event(event: date, count: int) -> None:
    end = days_after_event(event, count)
    assert (end - event).days == count


@given(days, days, months, territories)
def test_a_deadline_to_act_is_monotone_in_the_event(
    first: date, second: date, count: int, territory: str
) -> None:
    earlier, later = sorted((first, second))
    early = forward_deadline(earlier, count, territory, rule="r", source="s").day
    late = forward_deadline(later, count, territory, rule="r", source="s").day
    assert early <= late


@given(days, months, territories)
def test_backward_deadline_is_never_extended(echeance: date, count: int, territory: str) -> None:
    dated = backward_deadline(echeance, count, territory, rule="r", source="s")
    assert dated.day == add_months(echeance, -count)
    assert dated.day < echeance
    assert dated.basis.skipped == ()
    assert (dated.basis.non_working_day is None) == is_working_day(territory, dated.day)


@given(days, st.integers(min_value=-120, max_value=120))
def test_add_months_keeps_the_day_number_or_clamps_to_month_end(start: date, count: int) -> None:
    result = add_months(start, count)
    assert (result.year * 12 + result.month) - (start.year * 12 + start.month) == count
    if start.day <= 28:
        assert result.day == start.day
    else:
        assert result.day == start.day or (result + timedelta(days=1)).day == 1


@given(days, st.integers(min_value=1, max_value=6))
def test_echeance_is_always_the_day_before_the_anniversary(effet: date, years: int) -> None:
    echeance = echeance_after(effet, years)
    following = echeance + timedelta(days=1)
    assert following == anniversary(effet, years)
    if (effet.month, effet.day) != (2, 29):
        assert (following.month, following.day) == (effet.month, effet.day)
    assert 365 * years <= (following - effet).days <= 366 * years


@given(
    st.dates(min_value=date(2000, 1, 1), max_value=date(2080, 12, 31)),
    st.integers(min_value=2, max_value=5),
    st.sampled_from(list(Sector)),
    territories,
    st.integers(min_value=0, max_value=400),
    st.sampled_from([1, 2]),
)
@settings(max_examples=300)
def test_tacit_acceptance_never_comes_before_the_whole_reply_window(
    effet: date, years: int, sector: Sector, territory: str, before: int, reply: int
) -> None:
    terms = make_terms(
        effet=effet,
        years=years,
        sector=sector,
        territory=territory,
        rules={"prorogation_reply_months": reply, "prorogation_reply_target_months": None},
    )
    notice_deadline = add_months(terms.echeance, -terms.rules.prorogation_notice_months)
    received = notice_deadline - timedelta(days=before)
    calendar = build_calendar(terms, received)
    tacit = calendar.first(MilestoneKind.TACIT_ACCEPTANCE).day
    deadline = calendar.first(MilestoneKind.PROROGATION_REPLY_DEADLINE).day
    assert tacit == deadline + timedelta(days=1)
    assert deadline >= add_months(received, reply)
    assert is_working_day(territory, deadline)


@given(
    st.dates(min_value=date(2000, 1, 1), max_value=date(2080, 12, 31)),
    st.integers(min_value=2, max_value=5),
    st.sampled_from(list(Sector)),
    territories,
    st.booleans(),
)
@settings(max_examples=300)
def test_calendar_of_any_valid_contract_is_consistent(
    effet: date, years: int, sector: Sector, territory: str, signed: bool
) -> None:
    terms = make_terms(effet=effet, years=years, sector=sector, territory=territory, signed=signed)
    assert problems_of(terms) == []
    calendar = build_calendar(terms)
    milestones = calendar.milestones
    assert [m.day for m in milestones] == sorted(m.day for m in milestones)
    echeance = calendar.first(MilestoneKind.ECHEANCE).day
    assert echeance == terms.echeance
    notice = calendar.first(MilestoneKind.PROROGATION_NOTICE_DEADLINE)
    renegotiation = calendar.first(MilestoneKind.RENEGOTIATION_START)
    preparation = calendar.first(MilestoneKind.RENEWAL_PREPARATION_START)
    assert effet < preparation.day <= renegotiation.day <= notice.day < echeance
    documents = calendar.of_kind(MilestoneKind.ANNUAL_DOCUMENTS_DUE)
    assert [m.exercise for m in documents] == list(range(effet.year, echeance.year + 1))
    dialogues = calendar.of_kind(MilestoneKind.DIALOGUE_DE_GESTION)
    assert all(effet <= m.day <= echeance for m in dialogues)
    assert len(calendar.of_kind(MilestoneKind.MID_TERM_REVIEW)) == 1
    before_effect = [m for m in milestones if m.day < effet]
    assert all(not m.hard for m in before_effect)
    assert bool(before_effect) is not signed
    assert all(m.basis.rule and m.basis.source for m in milestones)


scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-5, max_value=3000)
    | st.text(max_size=10)
    | st.dates().map(str)
    | st.sampled_from(["sad", "ahi-etat", "35", "974", "30/04", "2023-02-29", "annuel"])
)
inner_keys = st.sampled_from(
    [
        "territory",
        "kind",
        "name",
        "raison_sociale",
        "email",
        "siren",
        "month",
        "day",
        "prorogation_notice_months",
        "prorogation_reply_months",
        "annual_documents_due",
        "dialogue_cadence",
        "notice_received_on",
        "accepted_on",
        "tacit",
        "new_echeance",
        "x",
    ]
)
objects = st.dictionaries(inner_keys, scalars, max_size=4)
values = scalars | objects | st.lists(objects, max_size=2)
field_names = st.sampled_from(
    [
        "reference",
        "preset",
        "authority",
        "gestionnaire",
        "effet",
        "duration_years",
        "signed",
        "signed_on",
        "process_started_on",
        "rules",
        "prorogations",
        "other",
    ]
)


@given(st.dictionaries(field_names, values, max_size=8))
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
def test_any_document_gives_terms_or_french_problems_never_a_crash(raw: dict[str, Any]) -> None:
    try:
        terms_from_mapping(raw)
    except InvalidTerms as error:
        problems = error.problems
    else:
        return
    assert problems
    assert all(p.field and p.message for p in problems)


@given(
    st.dates(min_value=date(2024, 1, 2), max_value=date(2028, 12, 31)),
    st.sampled_from([Sector.SAD, Sector.ESMS_ARS]),
)
def test_a_preavis_ends_the_contract_no_sooner_than_its_months(
    notified_on: date, sector: Sector
) -> None:
    terms = make_terms(sector=sector, effet=date(2024, 1, 1))
    state = life.ContractState(terms, life.Phase.EXECUTION)
    mode = (
        life.DenonciationMode.MUTUELLE if sector is Sector.SAD else life.DenonciationMode.MANQUEMENT
    )
    months_count = life.preavis_months(terms, mode)
    assert months_count is not None
    last_day = life.apply_denounce(state, mode, notified_on, notified_on, "agent")
    # In force through the whole préavis, or through the échéance when that comes first.
    assert last_day == min(months_after_event(notified_on, months_count), terms.echeance)
    if last_day < terms.echeance:
        assert (last_day - notified_on).days >= _shortest_months(months_count)
