"""Dates as French acts write them, by babel's CLDR data: « 1er novembre 2026 »."""

from __future__ import annotations

from datetime import date, datetime

from babel.dates import format_date

LOCALE = "fr_FR"


def long_date(day: date) -> str:
    """« 23 novembre 2026 »; the first of a month is « 1er », as French typography writes it."""
    text = format_date(day, "d MMMM y", locale=LOCALE)
    return f"1er{text[1:]}" if day.day == 1 else text


def fact_date(text: str) -> date:
    """The day a fact states, written JJ/MM/AAAA as plans write them."""
    return datetime.strptime(text, "%d/%m/%Y").date()  # noqa: DTZ007 - a day, no time
