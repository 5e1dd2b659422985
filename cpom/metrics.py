"""cpom's own Prometheus series, recorded through the Temporal runtime's metric meter: they are
served by the same `/metrics` endpoint as the SDK's series (cpom/telemetry.py), with no second
metrics library or port. Without CPOM_METRICS_PORT the meter is the SDK's no-op one.

In activities the meter is `activity.metric_meter()`: the SDK adds the activity's labels
(activity_type, namespace, task_queue, workflow_type). Names follow the SDK's (no `_total`,
durations in milliseconds), so one dashboard reads both.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine, func
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, col, select
from temporalio import activity
from temporalio.client import Client
from temporalio.common import MetricMeter
from temporalio.runtime import Runtime

from cpom.db.models import ContractRecord
from cpom.domain.clock import local_date

NOTICES_SENT = "cpom_notices_sent"
NOTICES_FAILED = "cpom_notices_failed"
PROJECTION_LAG = "cpom_projection_lag"
DECISIONS = "cpom_decisions"
CONTRACTS_OVERDUE = "cpom_contracts_overdue"
# Each API process publishes the gauges: Prometheus reads them with max() across instances.
GAUGE_REFRESH_SECONDS = 30.0

logger = logging.getLogger(__name__)


def meter_of(client: Client) -> MetricMeter:
    """The metric meter of the runtime `client` connects through."""
    return (client.service_client.config.runtime or Runtime.default()).metric_meter


def notice_sent(kind: str) -> None:
    """One message of a notice accepted by the SMTP server (called in `send_notice`)."""
    activity.metric_meter().create_counter(
        NOTICES_SENT, "messages d'avis acceptés par le serveur SMTP"
    ).add(1, {"notice": kind})


def notice_failed(kind: str, failure: str) -> None:
    """One failed attempt to send a notice's message; `failure` as the outbox keeps it."""
    activity.metric_meter().create_counter(
        NOTICES_FAILED, "essais d'envoi d'un avis échoués (le prochain essai suit)"
    ).add(1, {"notice": kind, "failure": failure})


def projection_lagged(now: datetime) -> None:
    """How long the read model trailed the workflow: from the moment the workflow asked for the
    projection (its first attempt) to the moment it was written."""
    scheduled = activity.info().scheduled_time
    # The time-skipping test server's clock runs ahead of the machine's: never negative.
    lag = max(now - scheduled.astimezone(UTC), timedelta(0))
    activity.metric_meter().create_histogram_timedelta(
        PROJECTION_LAG,
        "délai entre la demande de projection du workflow et son écriture dans la base",
        "ms",
    ).record(lag)


def decided(meter: MetricMeter, action: str, outcome: str) -> None:
    """A decision asked through the API: `outcome` is taken, refused or pending."""
    meter.create_counter(DECISIONS, "décisions demandées par l'API, selon leur issue").add(
        1, {"action": action, "outcome": outcome}
    )


def overdue_gauge(meter: MetricMeter, count: int) -> None:
    meter.create_gauge(
        CONTRACTS_OVERDUE, "contrats dont une obligation est dépassée (projection)"
    ).set(count)


def overdue_contracts(engine: Engine, today: date) -> int:
    """Contracts whose earliest missed obligation is before `today`, as the portfolio's
    « en retard » filter counts them."""
    with Session(engine) as session:
        return session.exec(
            select(func.count()).where(col(ContractRecord.overdue_since) < today)
        ).one()


async def refresh_gauges(meter: MetricMeter, engine: Engine) -> None:
    """The gauges read from the projection, now and every GAUGE_REFRESH_SECONDS: computed by
    the API process, which reads that database anyway, not by each worker."""
    while True:
        try:
            overdue = await asyncio.to_thread(
                overdue_contracts, engine, local_date(datetime.now(UTC))
            )
        except SQLAlchemyError as error:  # the database away: the gauge keeps its last value
            logger.warning("jauges non mises à jour : base indisponible (%s)", type(error).__name__)
        else:
            overdue_gauge(meter, overdue)
        await asyncio.sleep(GAUGE_REFRESH_SECONDS)  # a periodic refresh, not a wait in a test
