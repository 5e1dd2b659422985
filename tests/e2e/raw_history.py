"""What Temporal keeps of a contract, read past cpom's codec: to show it names nobody."""

import asyncio
import json
from collections.abc import Iterable

from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import Client

from cpom.messages import workflow_id


async def _events(address: str, reference: str) -> list[HistoryEvent]:
    client = await Client.connect(address)  # no data converter of cpom's: no key, no codec
    return list((await client.get_workflow_handle(workflow_id(reference)).fetch_history()).events)


def raw_history(address: str, reference: str) -> list[HistoryEvent]:
    """The contract's history as the Temporal server at `address` keeps it."""
    return asyncio.run(_events(address, reference))


def found_in(raw: bytes, texts: Iterable[str]) -> list[str]:
    """Those of `texts` that `raw` holds, as UTF-8 or as escaped JSON."""
    return [t for t in texts if t.encode() in raw or json.dumps(t)[1:-1].encode() in raw]


def serialized(events: Iterable[HistoryEvent]) -> bytes:
    return b"".join(event.SerializeToString() for event in events)
