"""A contract imported in the course of its life: what fell due before is past, not to notify.

Its workflow starts with every reminder and deadline of the days already gone marked done, and
logs what it left unnotified and which obligations it finds missed. Returns the plan left, which
the workflow's first wake would otherwise plan again (a fifth of the agenda work of an imported
contract's start, issue 12): marking steps done only takes them out of the plan, and the plan
reads no `imported` event.
"""

from datetime import date, datetime

from cpom.domain import lifecycle as life
from cpom.domain.agenda import ChangePhase, EndContract, Planned, plan
from cpom.domain.clock import local_instant
from cpom.domain.lifecycle import ContractState
from cpom.domain.live_agenda import missed_on_import

# The step the import is recorded as, in `state.done`.
IMPORT_KEY = "import"


def record_past_as_past(state: ContractState, now: datetime, today: date) -> list[Planned]:
    """Mark done every step of `state`'s plan due by `now` (its phase changes and its end
    apart, which the workflow performs), log the import; the plan left, as `plan(state)` now
    gives it."""
    planned = plan(state)
    past = [
        p
        for p in planned
        if local_instant(p.day, p.hour) <= now
        and not isinstance(p.action, ChangePhase | EndContract)
    ]
    state.done.update(p.key for p in past)
    state.done.add(IMPORT_KEY)
    missed = [item.label for item in missed_on_import(state, today)]
    summary = (
        f"contrat importé en cours de vie : {len(past)} rappels et échéances passés, non notifiés"
    )
    if missed:
        s = "s" if len(missed) > 1 else ""
        summary += (
            f" ; {len(missed)} obligation{s} passée{s} non renseignée{s}, à régulariser : "
            f"{', '.join(missed)}"
        )
    life.log(state, life.Event(today, "imported", summary))
    return [p for p in planned if p.key not in state.done]
