"""The life of one CPOM as its workflow runs it: timers, decisions, activities.

`workflows.contract` defines the workflow on this class. Both pass through the workflow sandbox
and are loaded once per process (issue 12: the worker's CPU and memory per contract). Passed
through, this logic is not checked by the sandbox's restrictions: like the pure core it calls,
it must stay deterministic by itself (the clock is `workflow.now()`, every side effect an
activity). It only orchestrates: what is due and when comes from `cpom.domain.agenda`, what a
decision may do from `cpom.domain.lifecycle`; side effects are activities. It continues as new
at each contract year so that its history stays small over a six-year life.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import sys
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributeUpdate
from temporalio.exceptions import ApplicationError, CancelledError, FailureError

from cpom import agenda_handoff
from cpom import search_attributes as sa
from cpom.domain import authorisation
from cpom.domain import budget_decisions as budget
from cpom.domain import lifecycle as life
from cpom.domain.agenda import (
    ApplySilence,
    ChangePhase,
    EndContract,
    Generate,
    Notify,
    OpenRenegotiation,
    Planned,
    Recipient,
    phase_once_acted,
    plan,
)
from cpom.domain.agenda_items import summary_of
from cpom.domain.calendar import build_calendar
from cpom.domain.clock import local_date, local_instant
from cpom.domain.import_past import record_past_as_past
from cpom.domain.live_agenda import AgendaItem, at_risk, live_agenda
from cpom.domain.silence import apply_silence
from cpom.domain.terms import ContractTerms
from cpom.messages import (
    AnswerAuthorisation,
    AnswerDenonciation,
    AnswerProrogation,
    ApproveReleve,
    ContractInput,
    ContractView,
    DecideRenegotiation,
    DecisionResult,
    Denounce,
    DocumentRequest,
    DocumentResult,
    NoticeRequest,
    NoticeResult,
    ProjectionUpdate,
    RecordDialogue,
    RecordTarification,
    RenegotiationRequest,
    ReportObjectives,
    RequestAuthorisation,
    RequestProrogation,
    ReviewDocuments,
    SentNotice,
    Sign,
    SignAvenant,
    SubmitDocuments,
    Terminate,
    TimelineEntry,
    ValidateCadrage,
    ValidateDiagnostic,
    notice_sent_event,
)

ResultT = TypeVar("ResultT")

ACTIVITY_RETRY = RetryPolicy(maximum_interval=timedelta(minutes=5))
SHORT = timedelta(seconds=30)
# Patch (2026-11): a decision taken during an activity no longer waits for the next timer.
WAKE_ON_EVERY_DECISION = "wake-on-every-decision"
# Patch (2026-11): projections carry the live agenda. A run begun before could not send it, so
# the store may lack it: such a run sends the whole agenda every time, never only what changed.
LIVE_AGENDA_DELTAS = "live-agenda-deltas"
# Patch (2026-11): a mutual dénonciation is only proposed; it ends the contract once the other
# party accepts it (`answer_denonciation`). A run begun before ended it on its notification.
MUTUAL_DENONCIATION_AGREED = "mutual-denonciation-agreed"
# Patch (2026-11): notices go out one after the other beside the loop, after the projection, so
# that a slow or unreachable mail server holds back neither the contract's life nor what readers
# see of it.
MAIL_BESIDE_THE_LOOP = "mail-beside-the-loop"
# Patch (2026-11): an imported contract records its past when its workflow is created, before
# any decision that came with its first task. A run begun before recorded it in `run`.
IMPORT_BEFORE_DECISIONS = "import-before-decisions"
# Patch (2026-11): calendar law 2 (see `cpom.domain.calendar_law`): a préavis counted as CPC art.
# 641 says, the renegotiation opened at the end of the last day to give notice, the reminders of
# the yearly budget cycle. A run begun before keeps law 1; its next run (continue-as-new) moves to
# law 2 without sending late the reminders of days already past.
CALENDAR_LAW_2 = "calendar-law-2"
# Patch (2026-12): calendar law 3 (see `cpom.domain.calendar_law`): the EPRD's days from a late
# notification end on a working day. A run of a contract begun under law 2 adopts it as it
# starts (a run replaying a history recorded before keeps law 2).
CALENDAR_LAW_3 = "calendar-law-3"
# Patch (2026-12): a decision taken while the last projection ran (the last document of an
# ended contract, say) is projected before the workflow ends. A run begun before ended without
# it; the patch is asked only in that case, so runs that never met it replay unchanged.
PROJECT_BEFORE_END = "project-before-end"
# Patch (2026-12): the projection runs as a local activity, inside the workflow task that wakes
# the contract: one round trip to the server and one history event instead of two and six. A
# run begun before keeps projecting through a scheduled activity.
LOCAL_PROJECTION = "local-projection"
# Patch (2026-12): the timer of the next step stays while its day is unchanged: a notice sent or
# a decision that moves nothing no longer cancels it and starts the same one again (two history
# events each time). A run begun before starts a timer at every wait.
STEADY_TIMER = "steady-timer"
# Patch (2026-12): the search attribute CpomNextDeadline is the next legal deadline, the one the
# dashboard shows, not the next step (a reminder, say): it changes a few times a year instead of
# at every step. A run begun before keeps the next step.
NEXT_LEGAL_DEADLINE = "next-legal-deadline"
# Patch (2026-12): a prorogation asked by one of several signing authorities takes effect only
# with the accord of the others too (each one's silence being accord), beside the gestionnaire's.
# A request recorded before was answered by the gestionnaire alone; the patch is asked only for
# such a request, so runs that never met one replay unchanged.
EVERY_SIGNATORY_PROROGATION = "every-signatory-prorogation"
# Patch (2026-12): one marker for every patch above. Each patch a run asks for records a marker
# and an upsert of the TemporalChangeVersion search attribute: sixteen of a year's hundred
# history events. A run begun under this patch takes every earlier patch's new path without
# asking, and sends its notices and prints its documents by a local activity first, inside the
# workflow task that wakes the contract (one history event instead of six, no round trip
# through the server's queue); should that attempt fail (the mail server down or slow), a
# scheduled activity takes over, whose retries add nothing to the history. What a decision
# causes is scheduled at once (`_decided_since_wait`). A run begun before asks each patch as it
# did and schedules its notices and documents.
LEAN_HISTORY = "lean-history"
# Patch (2026-12): a notice sent by its local attempt writes the projection itself, with its own
# event (`NoticeRequest.projection`): no second local activity to show it, one history event
# fewer for each notice. Meanwhile the workflow projects nothing else, so that the event takes
# the sequence it was given. A run begun before projects after each notice.
NOTICE_PROJECTED = "notice-projected"
# Patch (2026-12): a dialogue recorded late, held before the last one recorded, takes its place
# among the dialogues in the order they were held: the last one held is the one whose relevé is
# approved. Asked by such a dialogue only, in any run (a continued run asks again): before, it
# went last, and the approvals of the newer relevé were lost.
DIALOGUES_IN_DATE_ORDER = "dialogues-in-date-order"
# Patch (2026-12): the steps of a pending prorogation request that a notified end made moot
# (« sans objet ») are no deadline: the next legal deadline, and its search attribute, is the
# next one that stands. Asked only while a request is pending after the end is notified.
MOOT_STEPS_NOT_DEADLINES = "moot-steps-not-deadlines"
# The local attempt outlasts one sending (CPOM_SMTP_TIMEOUT_SECONDS, 1 min by default) for each
# party; past it, the scheduled activity takes over (the outbox sends nothing twice).
NOTICE_LOCAL_TIMEOUT = timedelta(minutes=3)
LOCAL_FIRST_RETRY = RetryPolicy(maximum_attempts=1)
DOCUMENT_START_TO_CLOSE = timedelta(minutes=2)
# A sending lasts at most CPOM_SMTP_TIMEOUT_SECONDS (1 min by default) and heartbeats meanwhile:
# a dead worker is noticed after the heartbeat timeout, a slow server is waited for.
NOTICE_START_TO_CLOSE = timedelta(minutes=10)
NOTICE_HEARTBEAT = timedelta(seconds=30)


def _refused(error: life.DecisionRefused) -> ApplicationError:
    return ApplicationError(str(error), type="DecisionRefused", non_retryable=True)


def recipients(terms: ContractTerms, to: tuple[Recipient, ...]) -> list[str]:
    """The addresses of a notice: what the authority receives, every signing authority does."""
    addresses: dict[Recipient, list[str | None]] = {
        Recipient.GESTIONNAIRE: [terms.gestionnaire.email],
        Recipient.AUTORITE: [a.email for a in terms.authorities],
        Recipient.SUPERVISEUR: [terms.authority.supervisor_email or terms.authority.email],
    }
    found = [address for r in to for address in addresses[r]]
    return sorted({a for a in found if a})


def fingerprint(item: AgendaItem) -> int:
    """What tells an agenda item from its next version, in a few bytes: the hash of its fields.
    Two versions of one item share it once in 2⁶⁴; the projection would then miss that change
    until its next whole agenda (the run's next one, or a refresh)."""
    return hash(
        (
            item.key,
            item.day,
            item.kind,
            item.label,
            item.hard,
            item.basis.fields(),
            item.on_silence,
            item.contract_year,
            item.exercise,
            item.awaited,
            item.obligation,
            item.waiting_for,
            item.action,
            item.opens_on,
            item.done_on,
            item.done_by,
            item.outcome,
            item.silence_on,
            item.consequence,
        )
    )


@dataclasses.dataclass(frozen=True)
class Projected:
    """What the projection holds once an update is written: the first `events` of the state,
    at its phase, terms and échéance, with the agenda of these fingerprints."""

    events: int
    phase: life.Phase
    terms: ContractTerms
    echeance: date
    fingerprints: dict[str, int]
    today: date
    local: bool
    complete: bool  # the whole agenda, not only what changed


class ContractFlow:
    """What the `Cpom` workflow does; `workflows.contract.CpomWorkflow` defines it."""

    def __init__(self, contract: ContractInput) -> None:
        # Asked before any other patch: a run begun under it asks none of them. A run continued
        # from one that took it takes it without asking (`ContractInput.patches`).
        carried = set(contract.patches)
        self.lean = LEAN_HISTORY in carried or workflow.patched(LEAN_HISTORY)
        self.state = contract.state
        self.offset = timedelta(days=contract.clock_offset_days)
        self.changed = False
        self.projected = contract.projected_events
        # The events before it are carried from earlier runs, which projected them: what this
        # run's `projection` query shows begins here.
        self.first_event = contract.projected_events
        self.sequence_offset = contract.sequence_offset
        self.names_in_search_attributes = contract.names_in_search_attributes
        self.last_projection: tuple[object, ...] | None = None
        self.terms_projected: ContractTerms | None = None
        # The agenda as last projected in this run, to send only what changed: a fingerprint
        # of each item, not the item (a cached contract would hold its whole agenda).
        self.agenda_sent: dict[str, int] = {}
        self.force_projection = False
        # Agendas handed over to the local activities of this run (see `cpom.agenda_handoff`).
        self.handoffs = 0
        # The plan the import left, with the state's version it is the plan of (`_planned`).
        self.plan_left: tuple[tuple[object, ...], list[Planned]] | None = None
        # Asked in a lean run only: one that asked it (see `_send_projecting`).
        self.notice_projected = self.lean and (
            NOTICE_PROJECTED in carried or workflow.patched(NOTICE_PROJECTED)
        )
        # While a notice's local attempt writes the projection, what it will hold once written.
        self.notice_projection: Projected | None = None
        # Notices due and not sent yet, in order; the first one is being sent when
        # `mail_sending` is set. Always empty at continue-as-new and at the end.
        self.mail_beside = False
        self.mail_queue: list[NoticeRequest] = []
        self.mail_sending: asyncio.Task[NoticeResult] | None = None
        # Decisions taken in this run, and how many when the loop last began to wait: a notice
        # due to a decision goes by a scheduled activity (see `_send_next_notice`).
        self.decisions = 0
        self.decisions_before_wait = 0
        # What this run printed, for its `documents_generated` query (as for notices).
        self.documents_generated: list[DocumentRequest] = []
        # What this run sent, for its `notices_sent` query: a notice sent by a local activity
        # leaves its result in the history, not its request.
        self.notices_sent: list[SentNotice] = []
        # The timer of the next step and the instant it ends (patch `steady-timer`).
        self.timer: asyncio.Task[None] | None = None
        self.timer_ends: datetime | None = None
        # The next legal deadline, as last projected (patch `next-legal-deadline`).
        self.legal_deadline_attribute = False
        self.next_legal_deadline: date | None = None
        if not self._patched(CALENDAR_LAW_2):
            self.state.calendar_law = 1
        elif self.state.calendar_law < 2:
            self._adopt_law(2)
        # Asked by a run of a contract begun under law 2 only (a contract begun since starts
        # under the current law, and a continued run carries its law): one marker, once.
        if self.state.calendar_law == 2 and workflow.patched(CALENDAR_LAW_3):
            self._adopt_law(3)
        # A decision may come with the workflow's first task, and its handler runs before
        # `run`: the past is recorded first, or the decision's notice, due now, would be taken
        # for a past step and never sent.
        if (
            self.state.imported
            and "import" not in self.state.done
            and self._patched(IMPORT_BEFORE_DECISIONS)
        ):
            self._record_past_as_past()

    def _patched(self, patch: str) -> bool:
        """Whether this run takes `patch`'s new path: always in a run begun under
        `lean-history`, else as recorded (see `workflow.patched`)."""
        return self.lean or workflow.patched(patch)

    # Clock ------------------------------------------------------------------------------------

    def now(self) -> datetime:
        return workflow.now() + self.offset

    def today(self) -> date:
        return local_date(self.now())

    # Main loop --------------------------------------------------------------------------------

    async def live(self) -> str:
        if self.state.imported and "import" not in self.state.done:
            self._record_past_as_past()
        started_year = life.contract_year_of(self.state.terms, self.today())
        self.mail_beside = self._patched(MAIL_BESIDE_THE_LOOP)
        steady_timer = self._patched(STEADY_TIMER)
        self.legal_deadline_attribute = self._patched(NEXT_LEGAL_DEADLINE)
        while True:
            if self._patched(WAKE_ON_EVERY_DECISION):
                # Reset before the activities below: a decision taken while one of them runs
                # is then acted upon and projected at once, not at the next timer.
                self.changed = False
            self._collect_sent_notice()
            # Only the next step is kept: the loop waits for it alone, and a contract cached
            # while it waits holds no more of its plan.
            upcoming = (await self._perform_due())[:1]
            await self._project()
            self._send_next_notice()
            if self.changed:  # a decision came during the projection: plan again
                upcoming = plan(self.state)[:1]
            mail_idle = not self.mail_queue
            if self.state.phase in life.ENDED and not upcoming and mail_idle:
                if self.changed and self._patched(PROJECT_BEFORE_END):
                    continue  # the loop projects the decision, then ends
                break
            year = life.contract_year_of(self.state.terms, self.today())
            if mail_idle and (
                year != started_year or workflow.info().is_continue_as_new_suggested()
            ):
                await workflow.wait_condition(workflow.all_handlers_finished)
                workflow.continue_as_new(self._next_run_input())
            self._upsert_search_attributes(upcoming)
            self.decisions_before_wait = self.decisions
            if not self._patched(WAKE_ON_EVERY_DECISION):
                self.changed = False
            if steady_timer:
                await self._wait_steadily(upcoming)
                continue
            timeout = None
            if upcoming:
                wake = local_instant(upcoming[0].day, upcoming[0].hour)
                timeout = max(wake - self.now(), timedelta(seconds=1))
            with contextlib.suppress(TimeoutError):
                await workflow.wait_condition(
                    lambda: self.changed or self._notice_finished(),
                    timeout=timeout,
                    timeout_summary=upcoming[0].key if upcoming else None,
                )
        if self.timer is not None:
            self.timer.cancel()
        await workflow.wait_condition(workflow.all_handlers_finished)
        self._upsert_search_attributes([])
        return self.state.phase.value

    async def _wait_steadily(self, upcoming: list[Planned]) -> None:
        """Until a decision, the notice being sent, or the next step's instant: the timer of
        that instant is started again only when the instant changes."""
        ends = local_instant(upcoming[0].day, upcoming[0].hour) if upcoming else None
        if self.timer is not None and (self.timer.done() or ends != self.timer_ends):
            self.timer.cancel()  # nothing when it has fired
            self.timer = None
        if self.timer is None and ends is not None:
            self.timer = asyncio.create_task(
                workflow.sleep(
                    max(ends - self.now(), timedelta(seconds=1)), summary=upcoming[0].key
                )
            )
        self.timer_ends = ends if self.timer is not None else None
        timer = self.timer
        await workflow.wait_condition(
            lambda: self.changed or self._notice_finished() or (timer is not None and timer.done())
        )

    def _next_run_input(self) -> ContractInput:
        """The state the next run begins from, without the journal's events already projected:
        its input stays small at any age of the contract."""
        events, projected = life.carried_events(self.state.events, self.projected)
        sequence_offset = self.sequence_offset + self.projected - projected
        # A copy: this run's state keeps its whole journal, which the `projection` query of the
        # closed run reads (`cpom projection rebuild`); the next run's input is the same.
        return ContractInput(
            dataclasses.replace(self.state, events=events),
            self.offset.days,
            projected,
            sequence_offset,
            self.names_in_search_attributes,
            [
                patch
                for patch, taken in (
                    (LEAN_HISTORY, self.lean),
                    (NOTICE_PROJECTED, self.notice_projected),
                )
                if taken
            ],
        )

    def _adopt_law(self, law: int) -> None:
        """A contract begun under an older law moves to `law` at its next run: the reminders
        the new law adds for days already past are not sent late, all at once."""
        before = {p.key for p in plan(self.state)}
        self.state.calendar_law = law
        now = self.now()
        self.state.done.update(
            p.key
            for p in plan(self.state)
            if p.key not in before
            and isinstance(p.action, Notify)
            and local_instant(p.day, p.hour) <= now
        )

    def _record_past_as_past(self) -> None:
        left = record_past_as_past(self.state, self.now(), self.today())
        # The first wake's plan, unless the state changes first (see `_planned`).
        self.plan_left = (self._plan_version(), left)

    def _planned(self) -> list[Planned]:
        """The plan of the state as it stands: the one the import left, if the state has not
        changed since (a decision may come with the first task), else planned anew."""
        kept, self.plan_left = self.plan_left, None
        if kept is not None and kept[0] == self._plan_version():
            return kept[1]
        return plan(self.state)

    def _plan_version(self) -> tuple[object, ...]:
        """What changes with any change of the state that the plan reads."""
        state = self.state
        return (len(state.events), len(state.done), state.phase, state.terms, self.decisions)

    async def _perform_due(self) -> list[Planned]:
        """Perform what is due; returns the plan left, none of it due yet."""
        while True:
            now = self.now()
            left = self._planned()
            due = [p for p in left if local_instant(p.day, p.hour) <= now]
            if not due:
                return left
            for planned in due:
                await self._perform(planned)
                self.state.done.add(planned.key)

    async def _perform(self, planned: Planned) -> None:
        action = planned.action
        state = self.state
        today = self.today()
        if isinstance(action, Notify):
            request = NoticeRequest(
                key=f"{state.terms.reference}:{planned.key}",
                kind=action.kind,
                recipients=recipients(state.terms, action.to),
                facts=action.facts,
                notice_date=today,
                reference=state.terms.reference,
            )
            if self.mail_beside:
                # Sent after the projection, which stores the terms the activity reads.
                self.mail_queue.append(request)
                return
            request.terms = state.terms
            result = await self._schedule_notice(request)
            self._log_notice(result, request, today)
        elif isinstance(action, Generate):
            asked = DocumentRequest(
                key=f"{state.terms.reference}:{planned.key}",
                kind=action.kind,
                terms=state.terms,
                facts=action.facts,
                document_date=today,
            )
            self.documents_generated.append(asked)
            document = await self._local_or_scheduled(
                "generate_document",
                asked,
                DocumentResult,
                DOCUMENT_START_TO_CLOSE,
                lambda: self._schedule_document(asked),
            )
            life.log(
                state,
                life.Event(
                    today,
                    "document_generated",
                    document.title,
                    details={
                        "document": action.kind.value,
                        "document_id": str(document.document_id),
                        "sha256": document.sha256,
                    },
                ),
            )
        elif isinstance(action, ChangePhase):
            life.change_phase(state, action.phase, today, action.why)
        elif isinstance(action, ApplySilence):
            apply_silence(state, action, today)
        elif isinstance(action, OpenRenegotiation):
            await self._open_renegotiation(action.why, today)
        elif isinstance(action, EndContract):
            life.change_phase(state, action.phase, today, action.why)
            life.log(
                state,
                life.Event(
                    today, "contract_ended", action.why, details={"phase": action.phase.value}
                ),
            )

    def _log_notice(
        self, result: NoticeResult, request: NoticeRequest, today: date, at: int | None = None
    ) -> None:
        """Log the notice's event, at index `at` (where its projection put it) or last."""
        self.notices_sent.append(SentNotice(request, result, workflow.now()))
        event = notice_sent_event(request, result, today)
        if at is None:
            life.log(self.state, event)
        else:
            self.state.events.insert(at, event)

    # Mail beside the loop ---------------------------------------------------------------------

    def _send_next_notice(self) -> None:
        if self.mail_sending is None and self.mail_queue:
            request = self.mail_queue[0]
            if self.notice_projected and not self._decided_since_wait():
                self.mail_sending = asyncio.ensure_future(self._send_projecting(request))
                return
            self.mail_sending = asyncio.ensure_future(
                self._local_or_scheduled(
                    "send_notice",
                    request,
                    NoticeResult,
                    NOTICE_LOCAL_TIMEOUT,
                    lambda: self._schedule_notice(request),
                )
            )

    async def _send_projecting(self, request: NoticeRequest) -> NoticeResult:
        """The notice by a local attempt that also writes what the projection lacks, with the
        notice's event (patch `notice-projected`); by a scheduled activity, that writes nothing
        but the notice, should the attempt fail. Until the attempt ends nothing else is
        projected: the notice's event takes the sequence after the events projected so far."""
        update, after = self._projection_update()
        self.force_projection = False  # asked again should the activity not write it
        self.notice_projection = after
        try:
            result: NoticeResult = await workflow.execute_local_activity(
                "send_notice",
                dataclasses.replace(request, projection=update),
                result_type=NoticeResult,
                start_to_close_timeout=NOTICE_LOCAL_TIMEOUT,
                retry_policy=LOCAL_FIRST_RETRY,
            )
            return result
        except CancelledError:
            raise
        except FailureError:
            # Decisions taken while the scheduled activity retries are projected meanwhile.
            self.notice_projection = None
            self.force_projection |= after.complete
            return await self._schedule_notice(request)

    def _schedule_notice(self, request: NoticeRequest) -> workflow.ActivityHandle[NoticeResult]:
        return workflow.start_activity(
            "send_notice",
            request,
            result_type=NoticeResult,
            start_to_close_timeout=NOTICE_START_TO_CLOSE,
            heartbeat_timeout=NOTICE_HEARTBEAT,
            retry_policy=ACTIVITY_RETRY,
        )

    def _decided_since_wait(self) -> bool:
        """Whether this workflow task carries a decision. A local activity holds the task until
        it ends, and the decision's answer leaves with the task: what a decision causes is
        scheduled instead, so that it is answered whatever the mail server's or the printer's
        pace."""
        return self.decisions != self.decisions_before_wait

    def _local_or_scheduled(
        self,
        activity: str,
        argument: object,
        result_type: type[ResultT],
        timeout: timedelta,
        scheduled: Callable[[], asyncio.Future[ResultT]],
    ) -> Awaitable[ResultT]:
        """The activity run locally first in a run begun under `lean-history`, unless a
        decision caused it; else `scheduled` at once, as runs begun before did."""
        if self.lean and not self._decided_since_wait():
            return self._local_first(activity, argument, result_type, timeout, scheduled)
        return scheduled()

    async def _local_first(
        self,
        activity: str,
        argument: object,
        result_type: type[ResultT],
        timeout: timedelta,
        scheduled: Callable[[], asyncio.Future[ResultT]],
    ) -> ResultT:
        """The activity run locally, inside the workflow task (patch `lean-history`); should
        that attempt fail, `scheduled`, whose retries add nothing to the history."""
        try:
            result: ResultT = await workflow.execute_local_activity(
                activity,
                argument,
                result_type=result_type,
                start_to_close_timeout=timeout,
                retry_policy=LOCAL_FIRST_RETRY,
            )
            return result
        except CancelledError:
            raise
        except FailureError:
            # A local activity's failure comes as the activity raised it (an ApplicationError,
            # a TimeoutError), not wrapped in an ActivityError.
            return await scheduled()

    def _schedule_document(
        self, request: DocumentRequest
    ) -> workflow.ActivityHandle[DocumentResult]:
        return workflow.start_activity(
            "generate_document",
            request,
            result_type=DocumentResult,
            start_to_close_timeout=DOCUMENT_START_TO_CLOSE,
            retry_policy=ACTIVITY_RETRY,
        )

    def _notice_finished(self) -> bool:
        return self.mail_sending is not None and self.mail_sending.done()

    def _collect_sent_notice(self) -> None:
        """Log the notice just sent (the projection then shows it) and free the lane."""
        if not self._notice_finished():
            return
        assert self.mail_sending is not None
        result = self.mail_sending.result()  # a failure fails the run, as it did inline
        self.mail_sending = None
        request = self.mail_queue.pop(0)
        after, self.notice_projection = self.notice_projection, None
        if after is None or not result.projected:
            if after is not None:
                self.force_projection |= after.complete
            self._log_notice(result, request, self.today())
            return
        # The activity wrote the event at the sequence after those projected then; a decision
        # taken meanwhile logged its own after it, unprojected yet (the loop projects them next).
        self._log_notice(result, request, after.today, at=after.events)
        self._projected_as(dataclasses.replace(after, events=after.events + 1))

    async def _open_renegotiation(self, why: str, today: date) -> None:
        state = self.state
        successor = f"{state.terms.reference}-R"
        await workflow.execute_activity(
            "open_renegotiation",
            RenegotiationRequest(state.terms, successor, today, why, self.offset.days),
            start_to_close_timeout=SHORT,
            retry_policy=ACTIVITY_RETRY,
        )
        state.renegotiation_opened_on = today
        state.successor_reference = successor
        life.log(
            state,
            life.Event(
                today,
                "renegotiation_opened",
                f"négociation d'un nouveau CPOM ouverte ({why}) : {successor}",
                details={"successor": successor, "why": why},
            ),
        )
        if state.phase not in life.ENDED:
            life.change_phase(state, life.Phase.RENEGOCIATION, today, why)

    async def _project(self) -> None:
        state = self.state
        # Every change of the state logs an event, so the agenda changes only with them.
        snapshot = (len(state.events), state.phase, state.terms.current_echeance)
        if self.notice_projection is not None:
            return  # the notice being sent writes the projection (patch `notice-projected`)
        if snapshot == self.last_projection and not self.force_projection:
            return
        update, after = self._projection_update()
        self.force_projection = False  # a refresh asked while the activity runs comes next
        execute = workflow.execute_local_activity if after.local else workflow.execute_activity
        await execute(
            "record_contract", update, start_to_close_timeout=SHORT, retry_policy=ACTIVITY_RETRY
        )
        self._projected_as(after)

    def _projection_update(self) -> tuple[ProjectionUpdate, Projected]:
        """What the projection lacks, and what it holds once written."""
        state = self.state
        deltas = self._patched(LIVE_AGENDA_DELTAS)
        complete = self.force_projection or not self.agenda_sent or not deltas
        # A decision taken while the activity runs logs events after `end`: the next projection
        # carries them.
        end = len(state.events)
        today = self.today()
        items = live_agenda(state, today)
        agenda = {item.key: item for item in items}
        # Keys interned: contracts of the same dates hold one copy of "documents:2025".
        fingerprints = {sys.intern(key): fingerprint(item) for key, item in agenda.items()}
        sent = {} if complete else self.agenda_sent
        # The terms travel with every whole projection (the run's first, a refresh asked after
        # the store was rebuilt) and when they change (signature, avenant, prorogation): not
        # with every wake.
        terms = None if state.terms is self.terms_projected and not complete else state.terms
        # A run recorded before counted the moot steps of a pending request as deadlines, and
        # upserted its next legal deadline so: asked only in that state.
        moot_counts = (
            state.termination is not None
            and state.pending_prorogation is not None
            and not workflow.patched(MOOT_STEPS_NOT_DEADLINES)
        )
        summary = summary_of(items, today, moot_counts=moot_counts)
        self.next_legal_deadline = summary.next_deadline
        local = self._patched(LOCAL_PROJECTION)
        # A whole agenda run locally goes as the state it is read from: the local activity runs
        # this very code, in this worker. A scheduled one may run on another worker, of another
        # release: it gets the items.
        whole_as_state = local and complete
        handoff = ""
        if whole_as_state and not workflow.unsafe.is_replaying():
            # The activity takes these items instead of reading them off the state again. Only
            # written: no activity runs while the run replays, and what the run decides never
            # depends on what was handed over (see `cpom.agenda_handoff`).
            self.handoffs += 1
            handoff = f"{workflow.info().run_id}:{self.handoffs}"
            agenda_handoff.hand_over(handoff, items)
        update = ProjectionUpdate(
            terms=None if whole_as_state else terms,  # the state's own
            reference=state.terms.reference,
            phase=state.phase,
            today=today,
            first_sequence=self.projected + self.sequence_offset,
            new_events=state.events[self.projected : end],
            successor_reference=state.successor_reference,
            predecessor_reference=state.predecessor_reference,
            agenda=(
                None
                if whole_as_state
                else [item for key, item in agenda.items() if sent.get(key) != fingerprints[key]]
            ),
            agenda_removed=sorted(set(sent) - set(agenda)),
            agenda_complete=complete,
            risk=at_risk(state, today),
            summary=summary,
            state=state if whole_as_state else None,
            handoff=handoff,
        )
        after = Projected(
            end,
            state.phase,
            state.terms,
            state.terms.current_echeance,
            fingerprints,
            today,
            local,
            complete,
        )
        return update, after

    def _projected_as(self, after: Projected) -> None:
        self.projected = after.events
        self.terms_projected = after.terms
        self.last_projection = (after.events, after.phase, after.echeance)
        self.agenda_sent = after.fingerprints

    def _upsert_search_attributes(self, upcoming: list[Planned]) -> None:
        terms = self.state.terms
        echeance = local_instant(terms.current_echeance)
        updates: list[SearchAttributeUpdate[Any]] = [
            sa.PHASE.value_set(self.state.phase.value),
            sa.AUTHORITY.value_set(
                terms.authority.name or terms.authority.kind.value
                if self.names_in_search_attributes
                else terms.authority.kind.value
            ),
            sa.ECHEANCE.value_set(echeance),
        ]
        if self.names_in_search_attributes:
            updates.append(sa.GESTIONNAIRE.value_set(terms.gestionnaire.raison_sociale))
        if self.legal_deadline_attribute:
            deadline = self.next_legal_deadline if upcoming else None
        else:
            deadline = upcoming[0].day if upcoming else None
        if deadline is not None:
            updates.append(sa.NEXT_DEADLINE.value_set(local_instant(deadline)))
        else:
            updates.append(sa.NEXT_DEADLINE.value_unset())
        current = workflow.info().typed_search_attributes
        if any(current.get(u.key) != u.value for u in updates):
            workflow.upsert_search_attributes(updates)

    # Queries ----------------------------------------------------------------------------------

    @workflow.query
    def view(self) -> ContractView:
        state = self.state
        today = self.today()
        calendar = build_calendar(
            state.terms,
            (state.pending_prorogation.received_on if state.pending_prorogation else None),
            state.resources_notified,
            law=state.calendar_law,
        )
        timeline = [
            TimelineEntry(
                m.day,
                m.kind.value,
                m.label,
                m.hard,
                m.day < today,
                m.basis.rule,
                m.basis.source,
                m.basis.law,
            )
            for m in calendar.milestones
        ]
        upcoming = [
            {"date": p.day.isoformat(), "key": p.key, "action": type(p.action).__name__}
            for p in plan(state)[:10]
        ]
        return ContractView(
            state.terms.reference,
            state.phase,
            today,
            calendar.echeance,
            calendar.echeance_max,
            list(state.events),
            timeline,
            upcoming,
        )

    @workflow.query
    def projection(self) -> ProjectionUpdate:
        """All this run holds for the projection: its terms, whole agenda and every event it
        logged (`cpom projection rebuild` reads it from every run, closed ones included)."""
        state = self.state
        today = self.today()
        agenda = live_agenda(state, today)
        return ProjectionUpdate(
            terms=state.terms,
            reference=state.terms.reference,
            phase=state.phase,
            today=today,
            first_sequence=self.first_event + self.sequence_offset,
            new_events=state.events[self.first_event :],
            successor_reference=state.successor_reference,
            predecessor_reference=state.predecessor_reference,
            agenda=agenda,
            agenda_complete=True,
            risk=at_risk(state, today),
            summary=summary_of(agenda, today),
        )

    @workflow.query(name="notices_sent")
    def sent_notices(self) -> list[SentNotice]:
        """The notices this run sent, with what each was asked (`cpom projection rebuild`)."""
        return self.notices_sent

    @workflow.query(name="documents_generated")
    def generated_documents(self) -> list[DocumentRequest]:
        """The documents this run printed, as each was asked (`cpom projection rebuild`)."""
        return self.documents_generated

    @workflow.query
    def phase(self) -> str:
        return self.state.phase.value

    @workflow.signal
    def refresh_projection(self) -> None:
        """Project the whole agenda again (after an upgrade of the projection's schema)."""
        self.force_projection = True
        self.changed = True

    # Decisions (updates) ----------------------------------------------------------------------

    def _decided(self, message: str) -> DecisionResult:
        self.changed = True
        self.decisions += 1
        # The phase once what the decision makes due now is done (the loop does it next): only
        # the update's answer, not the history's commands.
        return DecisionResult(
            phase_once_acted(self.state, self.now()),
            message,
            len(self.state.events) + self.sequence_offset,
        )

    @workflow.update
    def validate_cadrage(self, decision: ValidateCadrage) -> DecisionResult:
        life.apply_validate_cadrage(self.state, self.today(), decision.actor)
        return self._decided("lettre de cadrage validée")

    @validate_cadrage.validator
    def _check_validate_cadrage(self, decision: ValidateCadrage) -> None:
        try:
            life.check_validate_cadrage(self.state)
        except life.DecisionRefused as error:
            raise _refused(error) from None

    @workflow.update
    def validate_diagnostic(self, decision: ValidateDiagnostic) -> DecisionResult:
        life.apply_validate_diagnostic(self.state, self.today(), decision.actor)
        return self._decided("diagnostic partagé validé")

    @validate_diagnostic.validator
    def _check_validate_diagnostic(self, decision: ValidateDiagnostic) -> None:
        try:
            life.check_validate_diagnostic(self.state)
        except life.DecisionRefused as error:
            raise _refused(error) from None

    @workflow.update
    def sign(self, decision: Sign) -> DecisionResult:
        life.apply_sign(
            self.state,
            decision.signed_on,
            decision.terms,
            self.today(),
            decision.actor,
            None if decision.action_deadlines is None else tuple(decision.action_deadlines),
        )
        return self._decided("contrat signé")

    @sign.validator
    def _check_sign(self, decision: Sign) -> None:
        try:
            life.check_sign(
                self.state, decision.signed_on, decision.terms, self.today(), decision.signed_by
            )
        except life.DecisionRefused as error:
            raise _refused(error) from None

    @workflow.update
    def submit_documents(self, decision: SubmitDocuments) -> DecisionResult:
        life.apply_submit_documents(
            self.state, decision.exercise, decision.items, self.today(), decision.actor
        )
        missing = life.missing_items(self.state, decision.exercise)
        # The pieces as people write them, as the journal says them (found by probing: the
        # answer and the dashboard's notice gave their codes). Only an update's answer: not
        # part of the history's commands.
        return self._decided(
            "documents reçus"
            + (
                f" ; manquent encore : {', '.join(map(life.item_label, missing))}"
                if missing
                else ""
            )
        )

    @submit_documents.validator
    def _check_submit_documents(self, decision: SubmitDocuments) -> None:
        try:
            life.check_submit_documents(self.state, decision.exercise, decision.items, self.today())
        except life.DecisionRefused as error:
            raise _refused(error) from None

    @workflow.update
    def report_objectives(self, decision: ReportObjectives) -> DecisionResult:
        life.apply_report_objectives(
            self.state,
            decision.exercise,
            decision.item,
            decision.closed,
            decision.reopened,
            self.today(),
            decision.actor,
        )
        return self._decided(f"déclaration de l'exercice {decision.exercise} enregistrée")

    @report_objectives.validator
    def _check_report_objectives(self, decision: ReportObjectives) -> None:
        try:
            life.check_report_objectives(
                self.state,
                decision.exercise,
                decision.item,
                [*decision.closed, *decision.reopened],
            )
        except life.DecisionRefused as error:
            raise _refused(error) from None

    @workflow.update
    def review_documents(self, decision: ReviewDocuments) -> DecisionResult:
        life.apply_review_documents(
            self.state, decision.exercise, decision.observations, self.today(), decision.actor
        )
        return self._decided(f"documents de l'exercice {decision.exercise} examinés")

    @review_documents.validator
    def _check_review_documents(self, decision: ReviewDocuments) -> None:
        try:
            life.check_review_documents(self.state, decision.exercise)
        except life.DecisionRefused as error:
            raise _refused(error) from None

    @workflow.update
    def record_tarification(self, decision: RecordTarification) -> DecisionResult:
        summary = budget.apply_record_tarification(
            self.state, decision.exercise, decision.notified_on, self.today(), decision.actor
        )
        return self._decided(f"{summary} : enregistré")

    @record_tarification.validator
    def _check_record_tarification(self, decision: RecordTarification) -> None:
        try:
            budget.check_record_tarification(
                self.state, decision.exercise, decision.notified_on, self.today()
            )
        except life.DecisionRefused as error:
            raise _refused(error) from None

    @workflow.update
    def open_renegotiation(self, decision: DecideRenegotiation) -> DecisionResult:
        life.apply_open_renegotiation(self.state, self.today(), decision.actor)
        return self._decided("ouverture de la négociation d'un nouveau CPOM décidée")

    @open_renegotiation.validator
    def _check_open_renegotiation(self, decision: DecideRenegotiation) -> None:
        try:
            life.check_open_renegotiation(self.state)
        except life.DecisionRefused as error:
            raise _refused(error) from None

    @workflow.update
    def record_dialogue(self, decision: RecordDialogue) -> DecisionResult:
        # Asked only of a dialogue held before the last one: the others are in order either way.
        in_date_order = not life.held_before_the_last(
            self.state, decision.held_on
        ) or workflow.patched(DIALOGUES_IN_DATE_ORDER)
        life.apply_record_dialogue(
            self.state,
            decision.held_on,
            decision.participants,
            decision.decisions,
            self.today(),
            decision.actor,
            in_date_order,
        )
        return self._decided("dialogue de gestion enregistré")

    @record_dialogue.validator
    def _check_record_dialogue(self, decision: RecordDialogue) -> None:
        try:
            life.check_record_dialogue(
                self.state,
                decision.held_on,
                self.today(),
                decision.participants,
                decision.decisions,
            )
        except life.DecisionRefused as error:
            raise _refused(error) from None

    @workflow.update
    def approve_releve(self, decision: ApproveReleve) -> DecisionResult:
        life.apply_approve_releve(
            self.state, decision.party, self.today(), decision.actor, decision.authority
        )
        return self._decided("relevé de décisions approuvé")

    @approve_releve.validator
    def _check_approve_releve(self, decision: ApproveReleve) -> None:
        try:
            life.check_approve_releve(self.state, decision.party, decision.authority)
        except life.DecisionRefused as error:
            raise _refused(error) from None

    @workflow.update
    def request_prorogation(self, decision: RequestProrogation) -> DecisionResult:
        every_signatory = (
            decision.requested_by is life.Party.AUTORITE
            and bool(self.state.terms.co_signatories)
            and self._patched(EVERY_SIGNATORY_PROROGATION)
        )
        pending = life.apply_request_prorogation(
            self.state,
            decision.requested_by,
            decision.received_on,
            decision.requested_echeance,
            self.today(),
            decision.actor,
            decision.authority,
            every_signatory,
        )
        return self._decided(
            f"demande enregistrée ; réponse au plus tard le {pending.reply_deadline:%d/%m/%Y}, "
            "le silence vaut accord"
        )

    @request_prorogation.validator
    def _check_request_prorogation(self, decision: RequestProrogation) -> None:
        try:
            life.check_request_prorogation(
                self.state,
                decision.received_on,
                decision.requested_echeance,
                self.today(),
                decision.requested_by,
                decision.authority,
            )
        except life.DecisionRefused as error:
            raise _refused(error) from None

    @workflow.update
    def answer_prorogation(self, decision: AnswerProrogation) -> DecisionResult:
        life.apply_answer_prorogation(
            self.state,
            decision.accept,
            decision.received_on,
            self.today(),
            decision.actor,
            decision.answered_by,
            decision.authority,
        )
        if decision.accept and self.state.pending_prorogation is not None:
            return self._decided(
                "accord enregistré ; la prorogation attend celui des autres signataires, dont "
                "le silence vaut accord"
            )
        return self._decided(
            "prorogation acceptée"
            if decision.accept
            else "prorogation refusée : la renégociation s'ouvre"
        )

    @answer_prorogation.validator
    def _check_answer_prorogation(self, decision: AnswerProrogation) -> None:
        try:
            life.check_answer_prorogation(
                self.state,
                decision.answered_by,
                decision.received_on,
                self.today(),
                decision.authority,
            )
        except life.DecisionRefused as error:
            raise _refused(error) from None

    @workflow.update
    def sign_avenant(self, decision: SignAvenant) -> DecisionResult:
        life.apply_sign_avenant(
            self.state,
            decision.new_echeance,
            decision.signed_on,
            decision.summary,
            self.today(),
            decision.actor,
            None if decision.action_deadlines is None else tuple(decision.action_deadlines),
        )
        return self._decided("avenant enregistré")

    @sign_avenant.validator
    def _check_sign_avenant(self, decision: SignAvenant) -> None:
        try:
            life.check_sign_avenant(
                self.state,
                decision.new_echeance,
                decision.signed_on,
                self.today(),
                decision.signed_by,
                decision.summary,
            )
        except life.DecisionRefused as error:
            raise _refused(error) from None

    @workflow.update
    def denounce(self, decision: Denounce) -> DecisionResult:
        by = decision.notified_by or life.Party.AUTORITE
        if decision.mode is life.DenonciationMode.MUTUELLE and self._patched(
            MUTUAL_DENONCIATION_AGREED
        ):
            life.apply_propose_denonciation(
                self.state, by, decision.notified_on, self.today(), decision.actor
            )
            return self._decided(
                f"proposition de dénonciation d'un commun accord enregistrée : elle attend "
                f"l'accord {life.PARTY_OF[by.other]} ; sans réponse, le contrat continue"
            )
        ends_on = life.apply_denounce(
            self.state, decision.mode, decision.notified_on, self.today(), decision.actor, by
        )
        return self._decided(f"dénonciation enregistrée : fin du contrat le {ends_on:%d/%m/%Y}")

    @denounce.validator
    def _check_denounce(self, decision: Denounce) -> None:
        try:
            life.check_denounce(self.state, decision.mode, decision.notified_on, self.today())
        except life.DecisionRefused as error:
            raise _refused(error) from None

    @workflow.update
    def answer_denonciation(self, decision: AnswerDenonciation) -> DecisionResult:
        ends_on = life.apply_answer_denonciation(
            self.state,
            decision.accept,
            decision.received_on,
            self.today(),
            decision.actor,
            decision.answered_by,
        )
        return self._decided(
            "proposition de dénonciation refusée : le contrat continue"
            if ends_on is None
            else f"dénonciation d'un commun accord acceptée : fin du contrat le {ends_on:%d/%m/%Y}"
        )

    @answer_denonciation.validator
    def _check_answer_denonciation(self, decision: AnswerDenonciation) -> None:
        try:
            life.check_answer_denonciation(
                self.state, decision.answered_by, decision.received_on, self.today()
            )
        except life.DecisionRefused as error:
            raise _refused(error) from None

    @workflow.update
    def terminate(self, decision: Terminate) -> DecisionResult:
        life.apply_terminate(self.state, decision.reason, decision.on, self.today(), decision.actor)
        return self._decided("résiliation enregistrée")

    @terminate.validator
    def _check_terminate(self, decision: Terminate) -> None:
        try:
            life.check_terminate(self.state, decision.reason, decision.on, self.today())
        except life.DecisionRefused as error:
            raise _refused(error) from None

    # Authorisation requests (seed 004 L890-894): updates no history before them calls, so
    # they need no patch; a contract without requests emits exactly what it did.

    @workflow.update
    def request_authorisation(self, decision: RequestAuthorisation) -> DecisionResult:
        request = authorisation.apply_request_authorisation(
            self.state, decision.subject, decision.received_on, self.today(), decision.actor
        )
        means = authorisation.SILENCE_MEANS[request.on_silence]
        return self._decided(
            f"demande d'autorisation n° {request.id} enregistrée ; réponse de l'autorité au plus "
            f"tard le {request.reply_deadline:%d/%m/%Y}, son silence vaudra {means}"
        )

    @request_authorisation.validator
    def _check_request_authorisation(self, decision: RequestAuthorisation) -> None:
        try:
            authorisation.check_request_authorisation(
                self.state,
                decision.requested_by,
                decision.subject,
                decision.received_on,
                self.today(),
            )
        except life.DecisionRefused as error:
            raise _refused(error) from None

    @workflow.update
    def answer_authorisation(self, decision: AnswerAuthorisation) -> DecisionResult:
        request = authorisation.apply_answer_authorisation(
            self.state,
            decision.request_id,
            decision.accept,
            decision.reasons,
            decision.received_on,
            self.today(),
            decision.actor,
        )
        return self._decided(
            f"demande d'autorisation n° {request.id} "
            + ("accordée" if decision.accept else "refusée, motifs enregistrés")
        )

    @answer_authorisation.validator
    def _check_answer_authorisation(self, decision: AnswerAuthorisation) -> None:
        try:
            authorisation.check_answer_authorisation(
                self.state,
                decision.request_id,
                decision.accept,
                decision.reasons,
                decision.answered_by,
                decision.received_on,
                self.today(),
            )
        except life.DecisionRefused as error:
            raise _refused(error) from None
