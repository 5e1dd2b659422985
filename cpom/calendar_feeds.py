"""Secret addresses of people's calendar feeds.

Outlook and Thunderbird subscribe to a calendar by its address and cannot send a bearer token:
a secret in the address stands for the person's token. Each token has at most one, stored as its
SHA-256 like the tokens and shown once. A feed works only while its token does: revoking or
letting the token expire closes the feed too.
"""

import secrets
from datetime import UTC, date, datetime

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from cpom.access import Principal, digest, principal_of
from cpom.db.models import ApiToken, CalendarFeed


class FeedNotFound(LookupError):
    def __init__(self) -> None:
        super().__init__(
            "adresse d'abonnement inconnue, révoquée ou remplacée par une nouvelle : "
            "en créer une depuis la page « Mon calendrier » du tableau de bord"
        )


def _token_id(principal: Principal) -> int:
    if principal.token_id is None:
        raise ValueError("only a person signed in with a stored token has a calendar feed")
    return principal.token_id


def rotate(engine: Engine, principal: Principal) -> str:
    """A new secret for the person's feed, returned once; the previous one stops working."""
    token_id = _token_id(principal)
    secret = secrets.token_urlsafe(32)
    for _attempt in range(2):
        try:
            with Session(engine) as session:
                feed = session.exec(
                    select(CalendarFeed).where(CalendarFeed.token_id == token_id)
                ).first() or CalendarFeed(token_id=token_id, secret_hash="", created_at=now())
                feed.secret_hash = digest(secret)
                feed.created_at = now()
                session.add(feed)
                session.commit()
            return secret
        except IntegrityError:
            # Another request created this person's row at the same moment: update it instead.
            continue
    raise RuntimeError("calendar feed row kept changing under two attempts")


def revoke(engine: Engine, principal: Principal) -> bool:
    """Close the person's feed; whether there was one."""
    token_id = _token_id(principal)
    with Session(engine) as session:
        feed = session.exec(select(CalendarFeed).where(CalendarFeed.token_id == token_id)).first()
        if feed is None:
            return False
        session.delete(feed)
        session.commit()
    return True


def active_since(engine: Engine, principal: Principal) -> datetime | None:
    """When the person's current feed address was created, or None without one."""
    token_id = _token_id(principal)
    with Session(engine) as session:
        feed = session.exec(select(CalendarFeed).where(CalendarFeed.token_id == token_id)).first()
    return None if feed is None else feed.created_at


def holder(engine: Engine, secret: str, on: date | None = None) -> Principal:
    """The person whose feed has this secret, while their token works; FeedNotFound otherwise."""
    with Session(engine) as session:
        found = session.exec(
            select(ApiToken).join(CalendarFeed).where(CalendarFeed.secret_hash == digest(secret))
        ).first()
    principal = None if found is None else principal_of(found, on)
    if principal is None:
        raise FeedNotFound()
    return principal


def now() -> datetime:
    return datetime.now(UTC)
