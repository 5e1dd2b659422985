"""Server-side sessions of the dashboard.

Signing in with a bearer token opens a session: the browser's cookie holds a random secret of
its own, stored here as its SHA-256, so the token never travels again and a stolen cookie dies
with its session. A session ends at sign-out, SESSION_LIFETIME after sign-in, after IDLE_LIMIT
without a page, and at once when its token is revoked or expires: every request reads the token
again.
"""

import secrets
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine, delete, update
from sqlmodel import Session, col, select

from cpom.access import Principal, digest, principal_of
from cpom.db.models import ApiToken, DashboardSessionRecord

SESSION_LIFETIME = timedelta(hours=12)
IDLE_LIMIT = timedelta(hours=2)
# Writing the time of every page would make each read a write: once a minute is enough to
# measure two idle hours.
TOUCH_EVERY = timedelta(minutes=1)


def open_session(engine: Engine, principal: Principal, now: datetime | None = None) -> str:
    """A new session for the holder of a stored token; its secret, to set as the cookie."""
    if principal.token_id is None:
        raise ValueError("only a person signed in with a stored token has a session")
    now = now or datetime.now(UTC)
    secret = secrets.token_urlsafe(32)
    with Session(engine) as session:
        # Sessions left to end by themselves (a closed browser) are cleared here.
        session.connection().execute(
            delete(DashboardSessionRecord).where(
                (col(DashboardSessionRecord.expires_at) <= now)
                | (col(DashboardSessionRecord.last_seen_at) <= now - IDLE_LIMIT)
            )
        )
        session.add(
            DashboardSessionRecord(
                secret_hash=digest(secret),
                token_id=principal.token_id,
                created_at=now,
                last_seen_at=now,
                expires_at=now + SESSION_LIFETIME,
            )
        )
        session.commit()
    return secret


def session_holder(
    engine: Engine, secret: str, now: datetime | None = None, on: date | None = None
) -> Principal | None:
    """The person signed in with this session secret; None once it has ended for any reason
    (an ended session's row is deleted on the way)."""
    now = now or datetime.now(UTC)
    this = col(DashboardSessionRecord.secret_hash) == digest(secret)
    with Session(engine) as session:
        found = session.exec(
            select(DashboardSessionRecord, ApiToken)
            .join(ApiToken, col(ApiToken.id) == col(DashboardSessionRecord.token_id))
            .where(this)
        ).first()
    if found is None:
        return None
    record, token = found
    principal = principal_of(token, on)
    if principal is None or now >= record.expires_at or now >= record.last_seen_at + IDLE_LIMIT:
        with engine.begin() as connection:
            connection.execute(delete(DashboardSessionRecord).where(this))
        return None
    if now >= record.last_seen_at + TOUCH_EVERY:
        with engine.begin() as connection:
            connection.execute(update(DashboardSessionRecord).where(this).values(last_seen_at=now))
    return principal


def close_session(engine: Engine, secret: str) -> None:
    """Sign-out: the session's secret stops working (closing an unknown one changes nothing)."""
    with engine.begin() as connection:
        connection.execute(
            delete(DashboardSessionRecord).where(
                col(DashboardSessionRecord.secret_hash) == digest(secret)
            )
        )
