# The workflow as released at commit 05b2124 (before issue 12), kept as it was so that a test
# can start contracts on it and switch them to today's workflow: running contracts live for
# years, and a deployment meets them mid-life. Not to be edited, except to follow a rename in
# the modules it imports.
"""One durable workflow per CPOM: it holds the contract's timers and decisions.

The workflow only orchestrates. What is due and when comes from `cpom.domain.agenda`, what a
decision may do from `cpom.domain.lifecycle`; side effects are activities. It continues as new at
each contract year so that its history stays small over a six-year life.
"""

from __future__ import annotations

import contextlib
from datetime import date, datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributeUpdate
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
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
        plan,
    )
    from cpom.domain.calendar import build_calendar
    from cpom.domain.clock import local_date, local_instant
    from cpom.domain.live_agenda import AgendaItem, at_risk, live_agenda, missed_on_import
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
        Sign,
        SignAvenant,
        SubmitDocuments,
        Terminate,
        TimelineEntry,
        ValidateCadrage,
        ValidateDiagnostic,
        workflow_id,
    )

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
# Patch (2026-11): calendar law 2 (see `life.CALENDAR_LAW`): a préavis counted as CPC art. 641
# says, the renegotiation opened at the end of the last day to give notice, the reminders of the
# yearly budget cycle. A run begun before keeps law 1; its next run (continue-as-new) moves to the
# current law without sending late the reminders of days already past.
CALENDAR_LAW_2 = "calendar-law-2"
# The calendar law of that release (`life.CALENDAR_LAW` then; the domain has moved on since).
RELEASE_CALENDAR_LAW = 2
# Patch (2026-12): a decision taken while the last projection ran (the last document of an
# ended contract, say) is projected before the workflow ends. A run begun before ended without
# it; the patch is asked only in that case, so runs that never met it replay unchanged.
PROJECT_BEFORE_END = "project-before-end"
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


@workflow.defn(name="Cpom")
class CpomWorkflow:
    @workflow.init
    def __init__(self, contract: ContractInput) -> None:
        self.state = contract.state
        self.offset = timedelta(days=contract.clock_offset_days)
        self.changed = False
        self.projected = contract.projected_events
        self.last_projection: tuple[object, ...] | None = None
        # The agenda as last projected in this run, to send only what changed.
        self.agenda_sent: dict[str, AgendaItem] = {}
        self.force_projection = False
        # Notices due and not sent yet, in order; the first one is being sent when
        # `mail_sending` is set. Always empty at continue-as-new and at the end.
        self.mail_beside = False
        self.mail_queue: list[NoticeRequest] = []
        self.mail_sending: workflow.ActivityHandle[NoticeResult] | None = None
        if not workflow.patched(CALENDAR_LAW_2):
            self.state.calendar_law = 1
        elif self.state.calendar_law < RELEASE_CALENDAR_LAW:
            self._adopt_current_law()
        # A decision may come with the workflow's first task, and its handler runs before
        # `run`: the past is recorded first, or the decision's notice, due now, would be taken
        # for a past step and never sent.
        if (
            self.state.imported
            and "import" not in self.state.done
            and workflow.patched(IMPORT_BEFORE_DECISIONS)
        ):
            self._record_past_as_past()

    # Clock ------------------------------------------------------------------------------------

    def now(self) -> datetime:
        return workflow.now() + self.offset

    def today(self) -> date:
        return local_date(self.now())

    # Main loop --------------------------------------------------------------------------------

    @workflow.run
    async def run(self, contract: ContractInput) -> str:
        if self.state.imported and "import" not in self.state.done:
            self._record_past_as_past()
        started_year = life.contract_year_of(self.state.terms, self.today())
        self.mail_beside = workflow.patched(MAIL_BESIDE_THE_LOOP)
        while True:
            if workflow.patched(WAKE_ON_EVERY_DECISION):
                # Reset before the activities below: a decision taken while one of them runs
                # is then acted upon and projected at once, not at the next timer.
                self.changed = False
            self._collect_sent_notice()
            await self._perform_due()
            await self._project()
            self._send_next_notice()
            upcoming = plan(self.state)
            mail_idle = not self.mail_queue
            if self.state.phase in life.ENDED and not upcoming and mail_idle:
                if self.changed and workflow.patched(PROJECT_BEFORE_END):
                    continue  # the loop projects the decision, then ends
                break
            year = life.contract_year_of(self.state.terms, self.today())
            if mail_idle and (
                year != started_year or workflow.info().is_continue_as_new_suggested()
            ):
                await workflow.wait_condition(workflow.all_handlers_finished)
                workflow.continue_as_new(
                    ContractInput(self.state, self.offset.days, self.projected)
                )
            self._upsert_search_attributes(upcoming)
            if not workflow.patched(WAKE_ON_EVERY_DECISION):
                self.changed = False
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
        await workflow.wait_condition(workflow.all_handlers_finished)
        self._upsert_search_attributes([])
        return self.state.phase.value

    def _adopt_current_law(self) -> None:
        """A contract begun under an older law moves to the current one at its next run: the
        reminders the new law adds for days already past are not sent late, all at once."""
        before = {p.key for p in plan(self.state)}
        self.state.calendar_law = RELEASE_CALENDAR_LAW
        now = self.now()
        self.state.done.update(
            p.key
            for p in plan(self.state)
            if p.key not in before
            and isinstance(p.action, Notify)
            and local_instant(p.day, p.hour) <= now
        )

    def _record_past_as_past(self) -> None:
        now = self.now()
        past = [
            p
            for p in plan(self.state)
            if local_instant(p.day, p.hour) <= now
            and not isinstance(p.action, ChangePhase | EndContract)
        ]
        self.state.done.update(p.key for p in past)
        self.state.done.add("import")
        today = self.today()
        missed = [item.label for item in missed_on_import(self.state, today)]
        summary = (
            f"contrat importé en cours de vie : {len(past)} rappels et échéances passés, non "
            "notifiés"
        )
        if missed:
            s = "s" if len(missed) > 1 else ""
            summary += (
                f" ; {len(missed)} obligation{s} passée{s} non renseignée{s}, à régulariser : "
                f"{', '.join(missed)}"
            )
        life.log(self.state, life.Event(today, "imported", summary))

    async def _perform_due(self) -> None:
        while True:
            now = self.now()
            due = [p for p in plan(self.state) if local_instant(p.day, p.hour) <= now]
            if not due:
                return
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
                terms=state.terms,
                recipients=recipients(state.terms, action.to),
                facts=action.facts,
                notice_date=today,
            )
            if self.mail_beside:
                self.mail_queue.append(request)
                return
            result = await workflow.execute_activity(
                "send_notice",
                request,
                result_type=NoticeResult,
                start_to_close_timeout=NOTICE_START_TO_CLOSE,
                heartbeat_timeout=NOTICE_HEARTBEAT,
                retry_policy=ACTIVITY_RETRY,
            )
            self._log_notice(result, request, today)
        elif isinstance(action, Generate):
            document = await workflow.execute_activity(
                "generate_document",
                DocumentRequest(
                    key=f"{state.terms.reference}:{planned.key}",
                    kind=action.kind,
                    terms=state.terms,
                    facts=action.facts,
                    document_date=today,
                ),
                result_type=DocumentResult,
                start_to_close_timeout=timedelta(minutes=2),
                retry_policy=ACTIVITY_RETRY,
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

    def _log_notice(self, result: NoticeResult, request: NoticeRequest, today: date) -> None:
        life.log(
            self.state,
            life.Event(
                today,
                "notice_sent",
                f"avis « {request.kind.value} » envoyé",
                details={
                    "notice": request.kind.value,
                    "recipients": ",".join(result.recipients),
                    "status": result.status,
                    "key": result.key,
                },
            ),
        )

    # Mail beside the loop ---------------------------------------------------------------------

    def _send_next_notice(self) -> None:
        if self.mail_sending is None and self.mail_queue:
            self.mail_sending = workflow.start_activity(
                "send_notice",
                self.mail_queue[0],
                result_type=NoticeResult,
                start_to_close_timeout=NOTICE_START_TO_CLOSE,
                heartbeat_timeout=NOTICE_HEARTBEAT,
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
        self._log_notice(result, self.mail_queue.pop(0), self.today())

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
        if snapshot == self.last_projection and not self.force_projection:
            return
        deltas = workflow.patched(LIVE_AGENDA_DELTAS)
        complete = self.force_projection or not self.agenda_sent or not deltas
        self.force_projection = False
        # A decision taken while the activity runs logs events after `end`: the next projection
        # carries them.
        end = len(state.events)
        agenda = {item.key: item for item in live_agenda(state, self.today())}
        sent = {} if complete else self.agenda_sent
        await workflow.execute_activity(
            "record_contract",
            ProjectionUpdate(
                terms=state.terms,
                phase=state.phase,
                today=self.today(),
                first_sequence=self.projected,
                new_events=state.events[self.projected : end],
                successor_reference=state.successor_reference,
                predecessor_reference=state.predecessor_reference,
                agenda=[item for key, item in agenda.items() if sent.get(key) != item],
                agenda_removed=sorted(set(sent) - set(agenda)),
                agenda_complete=complete,
                risk=at_risk(state, self.today()),
            ),
            start_to_close_timeout=SHORT,
            retry_policy=ACTIVITY_RETRY,
        )
        self.projected = end
        self.last_projection = snapshot
        self.agenda_sent = agenda

    def _upsert_search_attributes(self, upcoming: list[Planned]) -> None:
        terms = self.state.terms
        echeance = local_instant(terms.current_echeance)
        updates: list[SearchAttributeUpdate[Any]] = [
            sa.PHASE.value_set(self.state.phase.value),
            sa.AUTHORITY.value_set(terms.authority.name or terms.authority.kind.value),
            sa.GESTIONNAIRE.value_set(terms.gestionnaire.raison_sociale),
            sa.ECHEANCE.value_set(echeance),
        ]
        if upcoming:
            updates.append(sa.NEXT_DEADLINE.value_set(local_instant(upcoming[0].day)))
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
        return DecisionResult(self.state.phase, message, len(self.state.events))

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
            self.state, decision.signed_on, decision.terms, self.today(), decision.actor
        )
        return self._decided("contrat signé")

    @sign.validator
    def _check_sign(self, decision: Sign) -> None:
        try:
            life.check_sign(self.state, decision.signed_on, decision.terms, self.today())
        except life.DecisionRefused as error:
            raise _refused(error) from None

    @workflow.update
    def submit_documents(self, decision: SubmitDocuments) -> DecisionResult:
        life.apply_submit_documents(
            self.state, decision.exercise, decision.items, self.today(), decision.actor
        )
        missing = life.missing_items(self.state, decision.exercise)
        return self._decided(
            "documents reçus" + (f" ; manquent encore : {', '.join(missing)}" if missing else "")
        )

    @submit_documents.validator
    def _check_submit_documents(self, decision: SubmitDocuments) -> None:
        try:
            life.check_submit_documents(self.state, decision.exercise, decision.items)
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
        life.apply_record_dialogue(
            self.state,
            decision.held_on,
            decision.participants,
            decision.decisions,
            self.today(),
            decision.actor,
        )
        return self._decided("dialogue de gestion enregistré")

    @record_dialogue.validator
    def _check_record_dialogue(self, decision: RecordDialogue) -> None:
        try:
            life.check_record_dialogue(self.state, decision.held_on, self.today())
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
        pending = life.apply_request_prorogation(
            self.state,
            decision.requested_by,
            decision.received_on,
            decision.requested_echeance,
            self.today(),
            decision.actor,
        )
        return self._decided(
            f"demande enregistrée ; réponse au plus tard le {pending.reply_deadline:%d/%m/%Y}, "
            "le silence vaut accord"
        )

    @request_prorogation.validator
    def _check_request_prorogation(self, decision: RequestProrogation) -> None:
        try:
            life.check_request_prorogation(
                self.state, decision.received_on, decision.requested_echeance, self.today()
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
                "accord enregistré ; la prorogation attend celui des autres autorités "
                "signataires, dont le silence vaut accord"
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
            )
        except life.DecisionRefused as error:
            raise _refused(error) from None

    @workflow.update
    def denounce(self, decision: Denounce) -> DecisionResult:
        by = decision.notified_by or life.Party.AUTORITE
        if decision.mode is life.DenonciationMode.MUTUELLE and workflow.patched(
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


__all__ = ["CpomWorkflow", "workflow_id"]
