"""The local mail catcher of `cpom up`: every message accepted and read, none kept in memory
once handed over."""

import smtplib

from cpom.mail_catcher import CaughtMail, MailCatcher

# Found by probing: a charset Python does not know made the catcher answer 500 (LookupError).
UNKNOWN_CHARSET = (
    b"From: a@b.example\r\nTo: c@d.example\r\nSubject: essai\r\nMIME-Version: 1.0\r\n"
    b"Content-Type: text/plain; charset=x-inconnu\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
    b"Objet : r\xc3\xa9ponse\r\n"
)


def test_a_message_in_an_unknown_charset_is_caught_and_read() -> None:
    handed: list[CaughtMail] = []
    catcher = MailCatcher(on_mail=handed.append).start()
    try:
        with smtplib.SMTP(catcher.host, catcher.port, timeout=10) as client:
            refused = client.sendmail("a@b.example", ["c@d.example"], UNKNOWN_CHARSET)
        assert refused == {}
    finally:
        catcher.stop()
    [mail] = handed
    assert mail.text().strip() == "Objet : réponse"
    assert catcher.caught == []  # handed over, not kept


def test_without_a_receiver_the_catcher_keeps_what_it_caught() -> None:
    catcher = MailCatcher().start()
    try:
        with smtplib.SMTP(catcher.host, catcher.port, timeout=10) as client:
            client.sendmail("a@b.example", ["c@d.example"], UNKNOWN_CHARSET)
    finally:
        catcher.stop()
    assert [mail.subject for mail in catcher.caught] == ["essai"]
