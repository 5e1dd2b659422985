"""Idempotency keys in the database: bound to caller and request, kept 24 hours, and for as long
as their decision has no answer."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from cpom.domain.lifecycle import Phase
from cpom.idempotency import KEY_LIFETIME, Claim, KeyReused, Outcome, claim, settle
from cpom.messages import DecisionResult

T0 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
ASK = {"requested_by": "gestionnaire", "received_on": "2026-03-02"}


def take(engine: Engine, at: datetime, fields: dict[str, str] = ASK, caller: str = "a") -> Claim:
    return claim(engine, caller, "k", "CPOM-1", "request_prorogation", fields, at)


def test_a_key_holds_its_first_answer_for_24_hours_then_is_free(engine: Engine) -> None:
    first = take(engine, T0)
    assert first.outcome is None
    answer = Outcome.taken(DecisionResult(Phase.PROROGATION_EN_COURS, "demande enregistrée", 4))
    settle(engine, "a", "k", first.update_id, answer)
    later = take(engine, T0 + KEY_LIFETIME - timedelta(seconds=1))
    assert later == Claim(first.update_id, answer)
    assert later.outcome is not None
    assert later.outcome.result() == DecisionResult(
        Phase.PROROGATION_EN_COURS, "demande enregistrée", 4
    )
    with pytest.raises(KeyReused, match="« k » a déjà servi à une autre requête"):
        take(engine, T0 + timedelta(hours=1), {**ASK, "requested_by": "autorite"})
    # Expired: the key is free again, for another request, under a new update id.
    renewed = take(engine, T0 + KEY_LIFETIME, {**ASK, "requested_by": "autorite"})
    assert renewed.outcome is None
    assert renewed.update_id != first.update_id


def test_a_key_without_answer_is_kept_until_it_has_one(engine: Engine) -> None:
    pending = take(engine, T0)
    much_later = T0 + 10 * KEY_LIFETIME
    assert take(engine, much_later) == pending
    with pytest.raises(KeyReused):
        take(engine, much_later, {**ASK, "received_on": "2026-03-03"})
    settle(engine, "a", "k", pending.update_id, Outcome.refused("prorogation en cours"))
    assert take(engine, much_later, {**ASK, "received_on": "2026-03-03"}).update_id != (
        pending.update_id
    )


def test_the_same_key_of_two_callers_are_two_keys(engine: Engine) -> None:
    mine = take(engine, T0, caller="jeton:1")
    theirs = take(engine, T0, {"accept": "true"}, caller="jeton:2")
    assert mine.update_id != theirs.update_id
    settle(engine, "jeton:2", "k", theirs.update_id, Outcome.refused("non"))
    assert take(engine, T0, caller="jeton:1").outcome is None


def test_a_key_sent_twice_at_once_is_taken_once(engine: Engine) -> None:
    claims: list[Claim] = []
    start = threading.Barrier(8)

    def race() -> None:
        start.wait()
        claims.append(take(engine, T0))

    threads = [threading.Thread(target=race) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(claims) == 8
    assert len({c.update_id for c in claims}) == 1


def test_a_request_is_known_by_what_it_is_understood_to_be(engine: Engine) -> None:
    understood = {"requested_by": "gestionnaire", "received_on": "2026-03-02", "authority": None}
    first = claim(engine, "a", "k", "CPOM-1", "request_prorogation", ASK, T0, understood)
    respelled = {**ASK, "authority": None}
    again = claim(engine, "a", "k", "CPOM-1", "request_prorogation", respelled, T0, understood)
    assert again.update_id == first.update_id
    other = {**understood, "requested_by": "autorite"}
    with pytest.raises(KeyReused):
        claim(engine, "a", "k", "CPOM-1", "request_prorogation", ASK, T0, other)


def test_a_key_taken_before_requests_were_understood_still_matches_them_as_sent(
    engine: Engine,
) -> None:
    before = take(engine, T0)  # its fingerprint is that of the fields as sent
    understood = {"requested_by": "gestionnaire", "received_on": "2026-03-02", "authority": None}
    after = claim(engine, "a", "k", "CPOM-1", "request_prorogation", ASK, T0, understood)
    assert after.update_id == before.update_id
