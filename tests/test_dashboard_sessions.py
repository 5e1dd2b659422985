"""Dashboard sessions on SQLite and PostgreSQL: a secret of their own, stored hashed, that ends at
sign-out, at its lifetime, after two idle hours, and with its token."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session, select

from cpom.access import Principal, Role, authenticate, create_token, digest, revoke_token
from cpom.dashboard_sessions import close_session, open_session, session_holder
from cpom.db.models import DashboardSessionRecord

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def person(engine: Engine, name: str = "Marie Dupont") -> tuple[str, Principal]:
    token = create_token(engine, Role.AGENT, name, email="marie.dupont@exemple.fr")
    principal = authenticate(engine, token)
    assert principal is not None
    return token, principal


def rows(engine: Engine) -> list[DashboardSessionRecord]:
    with Session(engine) as session:
        return list(session.exec(select(DashboardSessionRecord)).all())


def test_a_session_is_its_own_secret_stored_hashed(engine: Engine) -> None:
    token, principal = person(engine)
    secret = open_session(engine, principal, T0)
    assert secret != token
    [row] = rows(engine)
    assert row.secret_hash == digest(secret)
    assert (row.created_at, row.last_seen_at, row.expires_at) == (
        T0,
        T0,
        T0 + timedelta(hours=12),
    )
    assert session_holder(engine, secret, T0) == principal
    assert session_holder(engine, token, T0) is None  # the token is no session
    assert session_holder(engine, "inconnu", T0) is None


def test_the_last_page_is_noted_once_a_minute_and_two_idle_hours_end_it(engine: Engine) -> None:
    _, principal = person(engine)
    secret = open_session(engine, principal, T0)
    assert session_holder(engine, secret, T0 + timedelta(seconds=59)) == principal
    assert rows(engine)[0].last_seen_at == T0  # not written for so little
    later = T0 + timedelta(hours=1, minutes=50)
    assert session_holder(engine, secret, later) == principal
    assert rows(engine)[0].last_seen_at == later
    # Two hours after the last page, at most twelve after sign-in: still there.
    assert session_holder(engine, secret, later + timedelta(hours=1, minutes=59)) == principal
    assert session_holder(engine, secret, later + timedelta(hours=4)) is None
    assert rows(engine) == []


def test_a_session_lasts_twelve_hours_however_busy(engine: Engine) -> None:
    _, principal = person(engine)
    secret = open_session(engine, principal, T0)
    for hour in range(1, 12):
        assert session_holder(engine, secret, T0 + timedelta(hours=hour)) == principal
    assert session_holder(engine, secret, T0 + timedelta(hours=12)) is None
    assert rows(engine) == []


def test_sign_out_and_revocation_end_sessions(engine: Engine) -> None:
    _, marie = person(engine)
    _, paul = person(engine, "Paul Martin")
    first, second = open_session(engine, marie, T0), open_session(engine, marie, T0)
    pauls = open_session(engine, paul, T0)
    close_session(engine, first)
    close_session(engine, first)  # again: nothing changes
    assert session_holder(engine, first, T0) is None
    assert session_holder(engine, second, T0) == marie
    assert marie.token_id is not None
    revoke_token(engine, marie.token_id)
    assert [row.secret_hash for row in rows(engine)] == [digest(pauls)]
    assert session_holder(engine, second, T0) is None
    assert session_holder(engine, pauls, T0) == paul


def test_sessions_left_to_end_by_themselves_are_cleared_at_the_next_sign_in(
    engine: Engine,
) -> None:
    _, principal = person(engine)
    open_session(engine, principal, T0)  # idle 3 h 30 when the third opens
    recent = open_session(engine, principal, T0 + timedelta(hours=2))  # idle 1 h 30
    latest = open_session(engine, principal, T0 + timedelta(hours=3, minutes=30))
    assert sorted(row.secret_hash for row in rows(engine)) == sorted(
        [digest(recent), digest(latest)]
    )
