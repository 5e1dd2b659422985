"""The mailer keeps its SMTP connections open between messages, and never reuses a dead one."""

from collections.abc import Iterator
from email.message import EmailMessage

import pytest

from activities.mail import SmtpMailer
from tests.faults.mail_servers import MailServer


@pytest.fixture
def server() -> Iterator[MailServer]:
    running = MailServer().start()
    yield running
    running.stop()


def message(number: int) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = "cpom@ille-et-vilaine.example"
    mail["To"] = "direction@sad-exemple.example"
    mail["Subject"] = f"Avis n° {number}"
    mail.set_content("Bonjour,")
    return mail


async def test_messages_in_a_row_share_one_connection(server: MailServer) -> None:
    mailer = SmtpMailer(server.host, server.port, timeout=10)
    answers = [await mailer.send(message(number)) for number in range(3)]
    await mailer.close()
    assert [answer.endswith(f"SLOW{n:06d}") for n, answer in enumerate(answers, 1)] == [True] * 3
    assert len(server.peers) == 3
    assert len(set(server.peers)) == 1


async def test_a_connection_the_server_closed_is_not_reused(server: MailServer) -> None:
    mailer = SmtpMailer(server.host, server.port, timeout=10)
    await mailer.send(message(1))
    server.stop()  # the server goes away, and with it the connection kept open
    server.start()
    await mailer.send(message(2))
    await mailer.close()
    assert len(server.caught) == 2
    assert len(set(server.peers)) == 2


async def connections_for_two_messages(mailer: SmtpMailer, server: MailServer) -> int:
    await mailer.send(message(1))
    await mailer.send(message(2))
    await mailer.close()
    return len(set(server.peers))


async def test_an_idle_connection_answers_a_noop_before_it_is_reused(server: MailServer) -> None:
    mailer = SmtpMailer(server.host, server.port, timeout=10, check_after_seconds=0)
    assert await connections_for_two_messages(mailer, server) == 1


async def test_a_connection_idle_too_long_is_closed_not_reused(server: MailServer) -> None:
    mailer = SmtpMailer(server.host, server.port, timeout=10, idle_seconds=0)
    assert await connections_for_two_messages(mailer, server) == 2


async def test_a_failed_exchange_closes_its_connection() -> None:
    server = MailServer(answer_after=5).start()
    try:
        mailer = SmtpMailer(server.host, server.port, timeout=0.5)
        with pytest.raises(TimeoutError):
            await mailer.send(message(1))
        server.answer_after = 0
        await mailer.send(message(2))
        await mailer.close()
    finally:
        server.stop()
    assert len(server.caught) == 2
    assert len(set(server.peers)) == 2


async def test_an_idle_connection_that_no_longer_answers_is_replaced(server: MailServer) -> None:
    mailer = SmtpMailer(server.host, server.port, timeout=10, check_after_seconds=0)
    await mailer.send(message(1))
    server.stop()  # the kept connection goes with the server: its NOOP finds it closed
    server.start()
    await mailer.send(message(2))
    await mailer.close()
    assert len(server.caught) == 2
    assert len(set(server.peers)) == 2
