"""The calendar feed names its calendar as its holder is named, escaped as iCalendar text."""

from datetime import UTC, date, datetime

from cpom.calendar_export import agenda_to_ics


def test_the_calendars_name_is_escaped_text() -> None:
    # A token's holder named so (found by probing): a backslash then « n », a comma, a semicolon.
    name = "CPOM — Evil <b>x</b>; a,b\\nDTSTART:19700101"
    feed = agenda_to_ics(name, [], datetime(2026, 12, 5, tzinfo=UTC), date(2026, 12, 5))
    # RFC 5545's text: backslash, semicolon and comma escaped, as calendar clients read them back.
    assert "X-WR-CALNAME:CPOM — Evil <b>x</b>\\; a\\,b\\\\nDTSTART:19700101\r\n" in feed.decode()
