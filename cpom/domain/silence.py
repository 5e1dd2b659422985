"""What the silence of a party means, applied when a reply window ends without an answer.

One planned action (`cpom.domain.agenda.ApplySilence`) for every request whose window gives its
silence a meaning: a prorogation is then accepted (seed 001 L379), an authorisation request
rejected (seed 004 L894). The meaning comes from the contract's rules and is stated on the action,
never assumed (cpom-rules A26).
"""

from __future__ import annotations

from datetime import date

from cpom.domain import authorisation
from cpom.domain.agenda import ApplySilence, SilentRequest
from cpom.domain.lifecycle import ContractState, accept_tacitly
from cpom.domain.terms import Silence


def apply_silence(state: ContractState, action: ApplySilence, today: date) -> None:
    if action.request is SilentRequest.PROROGATION:
        assert action.meaning is Silence.ACCEPT  # a prorogation's silence is acceptance
        accept_tacitly(state, today)
    else:
        authorisation.apply_silence(state, action.request_id, today)
