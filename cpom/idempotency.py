"""Idempotency keys of decisions: the same request sent again gets the first answer, a key is
never taken for another request.

A key belongs to its caller (the person's token): the same key from two people are two keys. It
is bound to what it was first sent with (contract, action, fields); sent with anything else it
is refused. The first answer (the decision taken, or the workflow's refusal) is kept with it and
given again, without asking Temporal. Until a worker has answered, a retry sends the decision
again under the same Temporal update id, which Temporal deduplicates: the decision is taken at
most once, and the retry learns its outcome.

A key lives `KEY_LIFETIME` from its first use, then is free again; a key whose decision no
worker has answered yet is kept until it has an answer.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from cpom.access import Principal
from cpom.db.models import IdempotencyRecord
from cpom.domain.lifecycle import Phase
from cpom.messages import DecisionResult

KEY_LIFETIME = timedelta(hours=24)
MAX_KEY_LENGTH = 200


class KeyReused(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(
            f"la clé d'idempotence « {key} » a déjà servi à une autre requête (autre contrat, "
            "autre action ou autres champs) ; rien n'a été fait : employer une nouvelle clé"
        )


@dataclass(frozen=True)
class Outcome:
    """The first answer given with a key: the decision taken, or the workflow's refusal."""

    refusal: str | None = None
    phase: str | None = None
    message: str = ""
    events: int = 0

    @classmethod
    def taken(cls, result: DecisionResult) -> Outcome:
        return cls(phase=result.phase.value, message=result.message, events=result.events)

    @classmethod
    def refused(cls, reason: str) -> Outcome:
        return cls(refusal=reason)

    def result(self) -> DecisionResult:
        assert self.phase is not None
        return DecisionResult(Phase(self.phase), self.message, self.events)


@dataclass(frozen=True)
class Claim:
    update_id: str
    outcome: Outcome | None


def new_key() -> str:
    """A key for a caller who sent none, returned to it so that its retry is safe."""
    return secrets.token_urlsafe(18)


def caller_of(principal: Principal) -> str:
    return f"jeton:{principal.token_id}" if principal.token_id is not None else principal.actor


def fingerprint(reference: str, action: str, fields: Mapping[str, Any]) -> str:
    request = {"reference": reference, "action": action, "fields": fields}
    canonical = json.dumps(request, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def claim(
    engine: Engine,
    caller: str,
    key: str,
    reference: str,
    action: str,
    fields: Mapping[str, Any],
    now: datetime,
    understood: Mapping[str, Any] | None = None,
) -> Claim:
    """The key's update id and first answer, the key taken now if it is free; `KeyReused` if
    it was first sent with another request.

    A request is known by what it `understood` to be (the decision as validated): written
    otherwise (« 2026 » for 2026, a default said aloud), it is the same (found by probing: such
    a retry was refused as another request). A key first taken before this compared the fields
    as sent: those still match it."""
    sent = fingerprint(reference, action, understood if understood is not None else fields)
    as_sent = fingerprint(reference, action, fields)
    with Session(engine) as session:
        # Expired keys that have their answer go; the one asked for is then free again.
        session.execute(
            delete(IdempotencyRecord).where(
                col(IdempotencyRecord.expires_at) <= now,
                col(IdempotencyRecord.outcome_json).is_not(None),
            )
        )
        session.commit()
        row = session.get(IdempotencyRecord, (caller, key))
        if row is None:
            # Derived from the caller and the key, and from this first use: a key used again
            # after it expired is a new decision for Temporal too.
            seed = f"{caller}\n{key}\n{now.isoformat()}".encode()
            row = IdempotencyRecord(
                caller=caller,
                key=key,
                fingerprint=sent,
                update_id=f"decision-{hashlib.sha256(seed).hexdigest()}",
                reference=reference,
                action=action,
                created_at=now,
                expires_at=now + KEY_LIFETIME,
            )
            session.add(row)
            try:
                session.commit()
            except IntegrityError:  # the same key sent twice at once: the first one holds it
                session.rollback()
                row = session.get(IdempotencyRecord, (caller, key))
                assert row is not None
        if row.fingerprint not in (sent, as_sent):
            raise KeyReused(key)
        outcome = Outcome(**json.loads(row.outcome_json)) if row.outcome_json else None
        return Claim(row.update_id, outcome)


def settle(engine: Engine, caller: str, key: str, update_id: str, outcome: Outcome) -> None:
    """Keep the first answer given with the key."""
    with Session(engine) as session:
        row = session.get(IdempotencyRecord, (caller, key))
        if row is None or row.update_id != update_id or row.outcome_json is not None:
            return
        row.outcome_json = json.dumps(asdict(outcome), ensure_ascii=False)
        session.add(row)
        session.commit()
