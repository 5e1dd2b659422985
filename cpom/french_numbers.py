"""Numbers as French readers write them, by babel's CLDR data: « 1 234,5 », « 75 % »."""

from __future__ import annotations

from babel.numbers import format_decimal, format_percent

LOCALE = "fr_FR"


def french_number(value: float, decimals: int = 2) -> str:
    """1234.5 as « 1 234,5 » (narrow no-break space between thousands, decimal comma), with
    `decimals` decimals at most and no trailing zeros; a value that rounds to zero is « 0 »."""
    pattern = "#,##0." + "#" * decimals if decimals else "#,##0"
    text = format_decimal(value, format=pattern, locale=LOCALE)
    return "0" if text == "-0" else text


def french_percent(share: float) -> str:
    """0.75 as « 75 % »."""
    return format_percent(share, locale=LOCALE)
