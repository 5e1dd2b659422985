"""Open the renegotiation: start the successor CPOM's workflow in cadrage, linked both ways."""

from __future__ import annotations

import contextlib
from dataclasses import replace
from datetime import timedelta

from temporalio import activity
from temporalio.client import Client
from temporalio.exceptions import WorkflowAlreadyStartedError

from cpom.domain.date_law import echeance_after
from cpom.domain.lifecycle import ContractState, Event, Phase
from cpom.messages import ContractInput, RenegotiationRequest, workflow_id


class RenegotiationActivities:
    def __init__(
        self, client: Client, task_queue: str, *, names_in_search_attributes: bool = True
    ) -> None:
        self.client = client
        self.task_queue = task_queue
        self.names_in_search_attributes = names_in_search_attributes

    @activity.defn(name="open_renegotiation")
    async def open_renegotiation(self, request: RenegotiationRequest) -> str:
        """Start the successor's workflow; a second call finds it already started."""
        previous = request.predecessor
        effet = previous.current_echeance + timedelta(days=1)
        terms = replace(
            previous,
            reference=request.successor_reference,
            effet=effet,
            echeance=echeance_after(effet, previous.duration_years),
            signed=False,
            signed_on=None,
            process_started_on=request.opened_on,
            prorogations=(),
        )
        state = ContractState(
            terms=terms,
            phase=Phase.CADRAGE,
            predecessor_reference=previous.reference,
            events=[
                Event(
                    request.opened_on,
                    "opened",
                    f"négociation ouverte pour succéder au CPOM {previous.reference} : "
                    f"{request.why}",
                )
            ],
        )
        with contextlib.suppress(WorkflowAlreadyStartedError):
            await self.client.start_workflow(
                "Cpom",
                ContractInput(
                    state,
                    request.clock_offset_days,
                    names_in_search_attributes=self.names_in_search_attributes,
                ),
                id=workflow_id(terms.reference),
                task_queue=self.task_queue,
            )
        return terms.reference
