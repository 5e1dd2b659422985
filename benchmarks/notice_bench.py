"""Benchmark: the CPU of a notice's sending, beside a bare SMTP sending, in one process.

    python3 dev.py bench notice [--notices N]

The activity `send_notice` of N contracts' reminders (300 by default), as a wave sends them:
each contract projected first, the notice reading its terms and its authority from the
database, rendering both parts, writing its outbox row, sending its message to a local SMTP
server and marking it sent. Beside it, the bare sending: aiosmtplib's `send_message` of a plain
message of the same subject and text to the same server, on one connection kept open as the
notices' mailer keeps its own. Both run in this process, one message after the
other, the server's thread included: the CPU time per message, best of three rounds, and its
ratio, steadier than a wave's on a shared machine. No target of its own: it tells where a
notice's cost goes from one change to the next (issue 12: 14.8–16.3 ms, then 10.2–10.7 ms).
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import tempfile
import time
from collections.abc import Awaitable, Callable
from email.message import EmailMessage
from pathlib import Path

import aiosmtplib
from sqlalchemy import Engine
from temporalio.testing import ActivityEnvironment

from activities.mail import MailActivities, SmtpMailer
from benchmarks.wave_bench import IMPORTED_ON, REMINDER, reminder_of, terms_of
from cpom.db import projection
from cpom.db.engine import make_engine
from cpom.domain.agenda import Notify
from cpom.domain.calendar_law import CALENDAR_LAW
from cpom.domain.lifecycle import ContractState, initial_phase
from cpom.domain.live_agenda import live_agenda
from cpom.mail_catcher import MailCatcher
from cpom.messages import NoticeRequest, ProjectionUpdate
from cpom.rendering import Renderer
from cpom.settings import ROOT
from workflows.contract_flow import recipients

WARM_UP = 20
ROUNDS = 3


def project(engine: Engine, index: int) -> NoticeRequest:
    """Contract `index` projected as its workflow's first task does; its reminder's request."""
    terms = terms_of(index)
    state = ContractState(
        terms, initial_phase(terms, IMPORTED_ON), imported=True, calendar_law=CALENDAR_LAW
    )
    projection.record(
        engine,
        ProjectionUpdate(
            terms,
            state.phase,
            IMPORTED_ON,
            0,
            [],
            agenda=live_agenda(state, IMPORTED_ON),
            agenda_complete=True,
        ),
    )
    planned = reminder_of(state)
    assert isinstance(planned.action, Notify)
    return NoticeRequest(
        key=f"{terms.reference}:{planned.key}",
        kind=planned.action.kind,
        recipients=recipients(terms, planned.action.to),
        facts=planned.action.facts,
        notice_date=REMINDER,
        reference=terms.reference,
    )


async def cpu_per_call(calls: list[Callable[[], Awaitable[object]]]) -> float:
    began = time.process_time()
    for call in calls:
        await call()
    return (time.process_time() - began) / len(calls)


async def run(count: int) -> tuple[float, float]:
    workdir = Path(tempfile.mkdtemp(prefix="cpom-notice-bench-"))
    engine = make_engine(f"sqlite:///{workdir / 'cpom.db'}")
    catcher = MailCatcher().start()
    mailer = SmtpMailer(catcher.host, catcher.port)
    mail = MailActivities(engine, Renderer(ROOT / "templates"), mailer, "cpom <no-reply@cpom.test>")
    environment = ActivityEnvironment()
    opened: list[aiosmtplib.SMTP] = []
    try:
        total = WARM_UP + ROUNDS * count
        requests = [project(engine, index) for index in range(total)]

        def notice(request: NoticeRequest) -> Callable[[], Awaitable[object]]:
            return lambda: environment.run(mail.send_notice, request)

        for request in requests[:WARM_UP]:
            await notice(request)()
        [first, *_] = catcher.caught
        subject, text = first.subject, first.text()

        # One connection kept open, as the notices' mailer keeps its own between messages.
        client = aiosmtplib.SMTP(hostname=catcher.host, port=catcher.port)
        await client.connect()
        opened.append(client)

        def bare(number: int) -> Callable[[], Awaitable[object]]:
            async def send() -> object:
                # Made when sent, as a notice's message is.
                message = EmailMessage()
                message["From"] = "cpom <no-reply@cpom.test>"
                message["To"] = f"g{number}@bench.example"
                message["Subject"] = subject
                message.set_content(text)
                return await client.send_message(message)

            return send

        for number in range(WARM_UP):
            await bare(number)()
        cpom, plain = [], []
        for round_ in range(ROUNDS):
            batch = requests[WARM_UP + round_ * count : WARM_UP + (round_ + 1) * count]
            cpom.append(await cpu_per_call([notice(r) for r in batch]))
            plain.append(await cpu_per_call([bare(n) for n in range(count)]))
        return min(cpom), min(plain)
    finally:
        for client in opened:
            await client.quit()
        await mailer.close()
        catcher.stop()
        engine.dispose()
        shutil.rmtree(workdir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--notices", type=int, default=300)
    args = parser.parse_args()
    cpom, bare = asyncio.run(run(args.notices))
    print(
        f"envoi de {args.notices} avis, meilleur de {ROUNDS} tours (CPU du processus par message)"
    )
    print(
        "nu : le même sujet et le même texte envoyés par aiosmtplib, sur une connexion gardée "
        "ouverte, sans rien d'autre"
    )
    print(f"{'mesure':<44}{'cpom':>8}{'nu':>8}{'ratio':>7}")
    print(f"{'CPU par avis envoyé (ms)':<44}{cpom * 1000:8.2f}{bare * 1000:8.2f}{cpom / bare:7.2f}")


if __name__ == "__main__":
    main()
