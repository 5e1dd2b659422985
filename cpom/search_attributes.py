"""Search attributes that let supervisors list contracts in Temporal (and its Web UI)."""

from __future__ import annotations

from temporalio.common import SearchAttributeKey

PHASE = SearchAttributeKey.for_keyword("CpomPhase")
AUTHORITY = SearchAttributeKey.for_keyword("CpomAuthority")
GESTIONNAIRE = SearchAttributeKey.for_keyword("CpomGestionnaire")
ECHEANCE = SearchAttributeKey.for_datetime("CpomEcheance")
NEXT_DEADLINE = SearchAttributeKey.for_datetime("CpomNextDeadline")

ALL = (PHASE, AUTHORITY, GESTIONNAIRE, ECHEANCE, NEXT_DEADLINE)
