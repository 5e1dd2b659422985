"""What each contract was created with, as a digest: a second request for a reference is
either the same request (sent again after a timeout, a lost answer, a re-run import: nothing
changes) or another contract under a reference already taken, which is refused.

The digest is that of the request as understood (its terms and objectives once read, whether
imported, the day declared up to date), not of its bytes: the same contract written with other
spacing, key order or date spelling is the same request. It is compared with the request's, not
with the contract's terms of today: a signature or an avenant changes those, and the first
request sent again after them is still the same. (A release that reads the same request into
other terms, a preset given a new default, makes it another request: sent again across such an
upgrade, it is refused, and the 409 says the contract is there.)

A digest is written before the workflow is started, and replaced when a start succeeds under
another one (the attempt that wrote it never started its contract). Contracts created before
digests were kept have none: a request for them is answered as before, as the same request.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from datetime import UTC, date, datetime
from enum import Enum

from sqlalchemy import Engine, delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from cpom.db.models import ContractCreationRecord
from cpom.domain.objectives import Objective
from cpom.domain.terms import ContractTerms


class Claim(Enum):
    """What the stored digest of a reference said when a request for it came."""

    NEW = "new"  # none was stored: this request's is now
    SAME = "same"  # the one stored is this request's
    OTHER = "other"  # another request's is stored


def digest(
    terms: ContractTerms,
    objectives: tuple[Objective, ...],
    imported: bool,
    declared_up_to_date_on: date | None,
) -> str:
    request = {
        "terms": asdict(terms),
        "objectives": [asdict(objective) for objective in objectives],
        "imported": imported,
        "declared_up_to_date_on": declared_up_to_date_on,
    }
    canonical = json.dumps(request, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def claim(engine: Engine, reference: str, sent: str) -> Claim:
    """Compare `sent` with the reference's stored digest, storing it if there is none."""
    with Session(engine) as session:
        stored = session.get(ContractCreationRecord, reference)
        if stored is None:
            session.add(
                ContractCreationRecord(reference=reference, digest=sent, at=datetime.now(UTC))
            )
            try:
                session.commit()
                return Claim.NEW
            except IntegrityError:  # two requests at once: the first one's is stored
                session.rollback()
                stored = session.get(ContractCreationRecord, reference)
                assert stored is not None
        return Claim.SAME if stored.digest == sent else Claim.OTHER


def stored(engine: Engine, reference: str) -> str | None:
    with Session(engine) as session:
        record = session.get(ContractCreationRecord, reference)
        return record.digest if record is not None else None


def adopt(engine: Engine, reference: str, sent: str) -> None:
    """`sent` is the digest of the request that started the contract."""
    with Session(engine) as session:
        session.execute(
            update(ContractCreationRecord)
            .where(col(ContractCreationRecord.reference) == reference)
            .values(digest=sent, at=datetime.now(UTC))
        )
        session.commit()


def forget(engine: Engine, reference: str, sent: str) -> None:
    """Remove `sent` if it is still the stored digest: the contract was created before digests
    were kept, with a request nobody knows."""
    with Session(engine) as session:
        session.execute(
            delete(ContractCreationRecord).where(
                col(ContractCreationRecord.reference) == reference,
                col(ContractCreationRecord.digest) == sent,
            )
        )
        session.commit()
