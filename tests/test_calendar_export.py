"""The calendar feed: its calendar named as its holder is, escaped as iCalendar text; each step
said in French sentences."""

from datetime import UTC, date, datetime
from types import SimpleNamespace

from icalendar import Calendar

from cpom.calendar_export import agenda_to_ics
from cpom.domain.lifecycle import ContractState, Phase, ResiliationReason, apply_terminate
from cpom.domain.live_agenda import live_agenda
from tests.workflows.helpers import contract


def test_the_calendars_name_is_escaped_text() -> None:
    # A token's holder named so (found by probing): a backslash then « n », a comma, a semicolon.
    name = "CPOM — Evil <b>x</b>; a,b\\nDTSTART:19700101"
    feed = agenda_to_ics(name, [], datetime(2026, 12, 5, tzinfo=UTC), date(2026, 12, 5))
    # RFC 5545's text: backslash, semicolon and comma escaped, as calendar clients read them back.
    assert "X-WR-CALNAME:CPOM — Evil <b>x</b>\\; a\\,b\\\\nDTSTART:19700101\r\n" in feed.decode()


def test_each_steps_description_reads_as_french_sentences() -> None:
    """Found by probing: « À défaut : à défaut, l'année 1 du contrat … », « À défaut : dernier
    jour d'application du contrat », and no no-break space before « : »."""
    terms = contract()
    state = ContractState(terms, Phase.EXECUTION)
    today = date(2025, 3, 3)
    apply_terminate(state, ResiliationReason.LIQUIDATION, today, today, "agent")
    items = live_agenda(state, today)
    holder = SimpleNamespace(reference=terms.reference, gestionnaire="SAD Exemple")
    feed = agenda_to_ics("CPOM", [(holder, items)], datetime(2025, 3, 3, tzinfo=UTC), today)
    descriptions = {
        str(event["SUMMARY"]).split(" — ")[0]: str(event["DESCRIPTION"])
        for event in Calendar.from_ical(feed).walk("VEVENT")
    }
    dialogue = next(text for label, text in descriptions.items() if "ialogue" in label)
    assert "\nÀ défaut, l'année 1 du contrat reste sans dialogue de gestion" in dialogue
    assert "À défaut :" not in "".join(descriptions.values())
    early_end = next(text for label, text in descriptions.items() if "Fin anticipée" in label)
    assert "\nDernier jour d'application du contrat.\n" in early_end
    assert "Fondement\u00a0: " in early_end
    assert " :" not in "".join(descriptions.values())  # every colon after a no-break space
