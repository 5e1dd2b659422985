"""How CPOM deadlines are counted, with the basis of every computed date.

Two counts exist in the seeds and they must never be mixed up:

* every delay that runs from an event (a reply window from the proven receipt of a notice, a
  préavis from the notification of a dénonciation or from its acceptance, a decision window from
  the receipt of a request) follows one rule, `EVENT_COUNT`, stated once below: the day of the
  event does not count, the term ends on the same day number N months later, or on the last day
  of that month when it has no such day (a shorter month never shortens it), and a deadline *to
  act* that ends on a Saturday, Sunday or public holiday of the territory is extended to the
  next working day (Code de procédure civile, art. 640 to 642). A préavis is no deadline to act:
  the contract is in force through its last day, whatever day of the week that is;
* backward deadlines are counted from the échéance ("au plus tard six mois avant"): same day
  number, clamped, never extended. When one falls on a day off it is flagged, so that reminders
  can be sent earlier.

Every date is a local date in Europe/Paris (or the territory's own zone) and lasts until the end
of its day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from cpom.domain.working_days import non_working_reason

ONE_DAY = timedelta(days=1)


# Computed values below are read-only by convention rather than frozen: calendars are built by
# the hundred thousand and a frozen dataclass costs about five times more to construct.


@dataclass(slots=True)
class SkippedDay:
    """A day a forward deadline was carried past, and why."""

    day: date
    reason: str


@dataclass(slots=True)
class Basis:
    """Why a date is what it is: the rule applied, its anchor and its legal basis.

    `law` is what people read as the reason: the contract's article and the law (« art. 12 du
    CPOM ; CPC art. 641 et 642 »). `source` keeps the seed lines and catalogue
    entries the rule was drawn from, for audit only: it is never shown as the reason.
    """

    rule: str
    source: str
    anchor: date | None = None
    skipped: tuple[SkippedDay, ...] = ()
    non_working_day: str | None = None
    law: str = ""

    def fields(self) -> tuple[object, ...]:
        """Its fields as one hashable value (a basis is not hashable: it is mutable)."""
        return (
            self.rule,
            self.source,
            self.anchor,
            tuple((skipped.day, skipped.reason) for skipped in self.skipped),
            self.non_working_day,
            self.law,
        )

    def to_dict(self) -> dict[str, object]:
        return {
            "rule": self.rule,
            "law": self.law,
            "source": self.source,
            "anchor": self.anchor.isoformat() if self.anchor else None,
            "skipped": [{"date": s.day.isoformat(), "reason": s.reason} for s in self.skipped],
            "non_working_day": self.non_working_day,
        }


@dataclass(slots=True)
class Dated:
    """A computed date together with its basis."""

    day: date
    basis: Basis


_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def month_length(year: int, month: int) -> int:
    if month == 2 and year % 4 == 0 and (year % 100 != 0 or year % 400 == 0):
        return 29
    return _MONTH_DAYS[month - 1]


def add_months(day: date, months: int) -> date:
    """The same day number `months` later (earlier when negative), clamped to the month's end."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    if day.day <= 28:
        return date(year, month, day.day)
    return date(year, month, min(day.day, month_length(year, month)))


def anniversary(day: date, years: int) -> date:
    """The date `years` later; 29 February falls on 1 March in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return date(day.year + years, 3, 1)


def echeance_after(effet: date, years: int) -> date:
    """The last day in force of a contract taking effect on `effet` for `years` years."""
    return anniversary(effet, years) - ONE_DAY


FRENCH_MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


def months_label(months: int) -> str:
    return "1 mois" if months == 1 else f"{months} mois"


# The one rule of every delay counted from an event, in the words people read (its law is
# cited by cpom.domain.legal_basis). A préavis follows the first part only: it is no deadline to
# act.
MONTHS_COUNT = (
    "délai compté à partir du lendemain de l'événement, expirant le jour du dernier mois qui "
    "porte le même quantième, ou le dernier jour de ce mois s'il n'en a pas"
)
EVENT_COUNT = (
    f"{MONTHS_COUNT} ; un délai pour agir qui expire un samedi, un dimanche ou un jour férié "
    "est prorogé au premier jour ouvrable suivant"
)


def months_after_event(event: date, months: int) -> date:
    """Last day of a delay of `months` running from `event` (CPC art. 641, al. 2).

    The day of the event does not count; the delay expires at the end of the day that bears the
    same number `months` later, or of that month's last day when it has none (31 August + 6
    months: 28 February). The delay is never shorter than `months` months.
    """
    return add_months(event, months)


def days_after_event(event: date, days: int) -> date:
    """Last day of a delay of `days` running from `event` (CPC art. 641, al. 1)."""
    return event + timedelta(days=days)


def next_working_day(day: date, territory: str) -> tuple[date, tuple[SkippedDay, ...]]:
    """`day`, or the first working day after it, with the days off passed over (CPC art. 642)."""
    skipped: list[SkippedDay] = []
    reason = non_working_reason(territory, day)
    while reason is not None:
        skipped.append(SkippedDay(day, reason))
        day += ONE_DAY
        reason = non_working_reason(territory, day)
    return day, tuple(skipped)


def forward_deadline(
    event: date, months: int, territory: str, *, rule: str, source: str, law: str = ""
) -> Dated:
    """Last day of a window of `months` to act from `event`, extended past days off."""
    day, skipped = next_working_day(months_after_event(event, months), territory)
    return Dated(day, Basis(rule, source, event, skipped, law=law))


def backward_deadline(
    echeance: date, months: int, territory: str, *, rule: str, source: str, law: str = ""
) -> Dated:
    """`months` before the échéance, same day number, clamped, never extended."""
    day = add_months(echeance, -months)
    return Dated(
        day, Basis(rule, source, echeance, (), non_working_reason(territory, day), law=law)
    )


def target_date(anchor: date, months: int, *, rule: str, source: str, law: str = "") -> Dated:
    """A soft target `months` after (or before, when negative) an anchor, for reminders only."""
    return Dated(add_months(anchor, months), Basis(rule, source, anchor, law=law))
