"""What a new run of a contract carries of its log: the events its rules read among those
already projected, then every event not projected yet, in order."""

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from cpom.domain.lifecycle import JOURNAL_ONLY, Event, carried_events

DAY = date(2026, 3, 31)
KINDS = [*sorted(JOURNAL_ONLY), "documents_submitted", "dialogue_recorded", "signed"]


def test_the_journal_already_projected_is_left_behind() -> None:
    sent = Event(DAY, "notice_sent", "avis « rappel_documents_annuels » envoyé")
    submitted = Event(DAY, "documents_submitted", "documents reçus", "g", {"exercise": "2025"})
    sent_later = Event(DAY, "notice_sent", "avis « relance_documents_annuels » envoyé")
    events, projected = carried_events([sent, submitted, sent_later], 2)
    assert (events, projected) == ([submitted, sent_later], 1)


@given(
    kinds=st.lists(st.sampled_from(KINDS), max_size=30),
    data=st.data(),
)
def test_what_is_carried_is_what_the_rules_read_then_the_unprojected_tail(
    kinds: list[str], data: st.DataObject
) -> None:
    log = [Event(DAY, kind, f"{index}") for index, kind in enumerate(kinds)]
    projected = data.draw(st.integers(0, len(log)))
    events, carried_projected = carried_events(log, projected)
    kept, tail = events[:carried_projected], events[carried_projected:]
    assert tail == log[projected:]
    assert kept == [e for e in log[:projected] if e.kind not in JOURNAL_ONLY]
    # What is kept keeps its order: the sequence of a tail event is its index plus a constant.
    assert [int(e.summary) for e in events] == sorted(int(e.summary) for e in events)
