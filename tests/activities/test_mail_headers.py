"""The notices' email policy makes each repeated header once and writes the same bytes, but
for a subject outside ASCII, written in encoded words that keep its spaces."""

import re
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import SMTP, default

from aiosmtplib.email import flatten_message
from hypothesis import given, settings
from hypothesis import strategies as st

from activities.mail_headers import POLICY, SharedHeaders


def notice(policy: object, number: int) -> EmailMessage:
    message = EmailMessage(policy=policy)  # type: ignore[arg-type]
    message["Subject"] = (
        f"CPOM CPOM-35-SAD-{number} — relance\u00a0: documents de l’exercice 2024 non reçus, "
        "dont le compte administratif et le rapport d’activité"
    )
    message["From"] = "Département d'Ille-et-Vilaine <cpom@ille-et-vilaine.example>"
    message["To"] = "direction@sad-exemple.example, comptable@sad-exemple.example"
    message["Message-ID"] = f"<{number:032d}@cpom>"
    message["Date"] = "Fri, 04 Dec 2026 17:30:00 -0000"
    message["X-Cpom-Notice"] = "documents_relance"
    message.set_content("Bonjour,\n\nLes documents de l’exercice 2024 ne sont pas reçus.\n")
    message.add_alternative("<p>Les documents de l’exercice 2024 ne sont pas reçus.</p>", "html")
    message.add_attachment(
        b"%PDF-1.7 " * 400, maintype="application", subtype="pdf", filename="avenant.pdf"
    )
    return message


def without_boundaries(written: bytes) -> bytes:
    return re.sub(rb"={15}\d+={2}", b"BOUNDARY", written)


def without_subject(written: bytes) -> bytes:
    return re.sub(rb"Subject: .*?\r?\n(?! )", b"", without_boundaries(written), flags=re.S)


def test_a_notice_is_written_the_same_byte_for_byte_but_its_subject() -> None:
    for number in (1, 2, 1):
        standard = notice(default, number)
        shared = notice(POLICY, number)
        for written in (flatten_message, lambda m: m.as_bytes(policy=SMTP)):
            assert without_subject(written(shared)) == without_subject(written(standard))
            assert without_subject(written(shared)) != without_boundaries(written(shared))


def read_back(message: EmailMessage) -> str:
    return str(message_from_bytes(flatten_message(message), policy=default)["Subject"])


def test_a_subject_reaches_the_reader_with_every_space() -> None:
    """Found by probing: the standard folder wrote « non déclarée » as two encoded words with
    the space between them, which readers drop: « nondéclarée »."""
    subject = "CPOM JOINT-35 — relance\u00a0: action 1.1 non déclarée réalisée au 30/06/2026"
    standard = EmailMessage(policy=default)
    standard["Subject"] = subject
    assert read_back(standard) != subject  # the standard library's own folding
    message = EmailMessage(policy=POLICY)
    message["Subject"] = subject
    assert read_back(message) == subject


@settings(max_examples=200, deadline=None)
@given(
    st.text(
        st.sampled_from([*"aàâçeéèêëiîoôuùûü AZÉ—’:;?!0123456789-/", "\u00a0"]),
        min_size=1,
        max_size=180,
    )
)
def test_any_french_subject_is_read_back_as_written(words: str) -> None:
    subject = f"CPOM CPOM-35 — {words.strip()}x"
    message = EmailMessage(policy=POLICY)
    message["Subject"] = subject
    assert read_back(message) == subject


def test_a_repeated_header_is_made_and_folded_once() -> None:
    first, second = notice(POLICY, 1), notice(POLICY, 2)
    assert first["From"] is second["From"]
    assert first["X-Cpom-Notice"] is second["X-Cpom-Notice"]
    # The parts' own headers too (mixed, alternative, then the text part).
    text_1, text_2 = list(first.walk())[2], list(second.walk())[2]
    assert text_1.get_content_type() == "text/plain"
    assert text_1["Content-Type"] is text_2["Content-Type"]
    folded = first["From"].fold(policy=SMTP)
    assert second["From"].fold(policy=SMTP) is folded
    # A header of its own (the subject) is made for its message.
    assert first["Subject"] is not second["Subject"]


def test_a_header_given_otherwise_than_as_text_is_made_each_time() -> None:
    registry = SharedHeaders()
    assert registry["Subject"] is registry["subject"]  # one class for each header name
    made = registry("Subject", "Avis")
    assert registry("Subject", "Avis") is made
    assert registry("Subject", made) is not made
