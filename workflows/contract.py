"""One durable workflow per CPOM: it holds the contract's timers and decisions.

The workflow's modules pass through the sandbox (`cpom.worker.WORKFLOW_RUNNER`): this one is
loaded once per process, not for every workflow instance (each new contract, continue-as-new and
replay after an eviction), which ran `workflow.defn` again each time (issue 12: the worker's CPU
and memory per contract). What the workflow does lives in `workflows.contract_flow`.
"""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from cpom.messages import ContractInput
    from workflows.contract_flow import (
        CALENDAR_LAW_2,
        EVERY_SIGNATORY_PROROGATION,
        IMPORT_BEFORE_DECISIONS,
        LEAN_HISTORY,
        LIVE_AGENDA_DELTAS,
        LOCAL_PROJECTION,
        MAIL_BESIDE_THE_LOOP,
        MUTUAL_DENONCIATION_AGREED,
        NEXT_LEGAL_DEADLINE,
        PROJECT_BEFORE_END,
        STEADY_TIMER,
        WAKE_ON_EVERY_DECISION,
        ContractFlow,
    )

__all__ = [
    "CALENDAR_LAW_2",
    "EVERY_SIGNATORY_PROROGATION",
    "IMPORT_BEFORE_DECISIONS",
    "LEAN_HISTORY",
    "LIVE_AGENDA_DELTAS",
    "LOCAL_PROJECTION",
    "MAIL_BESIDE_THE_LOOP",
    "MUTUAL_DENONCIATION_AGREED",
    "NEXT_LEGAL_DEADLINE",
    "PROJECT_BEFORE_END",
    "STEADY_TIMER",
    "WAKE_ON_EVERY_DECISION",
    "CpomWorkflow",
]


@workflow.defn(name="Cpom")
class CpomWorkflow(ContractFlow):
    """The contract's queries, signal and decisions (updates) are those of `ContractFlow`."""

    @workflow.init
    def __init__(self, contract: ContractInput) -> None:
        super().__init__(contract)

    @workflow.run
    async def run(self, contract: ContractInput) -> str:
        return await self.live()
