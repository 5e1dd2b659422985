"""A contract calendar as JSON, as a readable table and as an iCalendar file."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Protocol

from icalendar import Alarm, Calendar, Event, vText

from cpom.domain.calendar import EVENT_KINDS, ContractCalendar, Milestone
from cpom.domain.live_agenda import SILENCE_MEANS, STATUS_LABELS, AgendaItem, Status, status_on
from cpom.domain.milestones import ROUTINE_KINDS
from cpom.domain.terms import ContractTerms
from cpom.french_articles import capitalized
from cpom.french_typography import typeset

_WEEKDAYS = ("lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim.")
_SILENCE = {"accept": "vaut accord", "reject": "vaut refus", "none": ""}


def milestone_to_dict(milestone: Milestone) -> dict[str, object]:
    return {
        "date": milestone.day.isoformat(),
        "kind": milestone.kind.value,
        "label": milestone.label,
        "hard": milestone.hard,
        "contract_year": milestone.contract_year,
        "exercise": milestone.exercise,
        "on_silence": milestone.on_silence.value,
        "basis": milestone.basis.to_dict(),
    }


def calendar_to_dict(terms: ContractTerms, calendar: ContractCalendar) -> dict[str, object]:
    return {
        "reference": terms.reference,
        "sector": terms.sector.value,
        "territory": terms.authority.territory,
        "effet": terms.effet.isoformat(),
        "echeance": calendar.echeance.isoformat(),
        "echeance_max": calendar.echeance_max.isoformat(),
        "warnings": list(calendar.warnings),
        "milestones": [milestone_to_dict(m) for m in calendar.milestones],
    }


def french_date(day: date) -> str:
    return f"{_WEEKDAYS[day.weekday()]} {day:%d/%m/%Y}"


def _explanation(milestone: Milestone) -> str:
    basis = milestone.basis
    parts = [basis.rule]
    if basis.skipped:
        parts.append("reporté : " + ", ".join(f"{s.day:%d/%m} {s.reason}" for s in basis.skipped))
    if basis.non_working_day:
        parts.append(f"tombe un jour non ouvré ({basis.non_working_day}), sans report")
    if _SILENCE[milestone.on_silence.value]:
        parts.append(f"le silence {_SILENCE[milestone.on_silence.value]}")
    if basis.law:
        parts.append(f"fondement : {basis.law}")
    return " — ".join(parts)


def calendar_to_table(terms: ContractTerms, calendar: ContractCalendar) -> str:
    """A plain-text timeline a person reads in a terminal or prints."""
    header = (
        f"CPOM {terms.reference} ({terms.sector.value}, territoire {terms.authority.territory})\n"
        f"Date d'effet : {french_date(terms.effet)} · échéance : {french_date(calendar.echeance)}"
        f" · échéance maximale après prorogation : {french_date(calendar.echeance_max)}\n"
    )
    rows = [("Date", "Nature", "Année", "Jalon", "Fondement")]
    for m in calendar.milestones:
        year = "" if m.contract_year is None else str(m.contract_year)
        nature = "date" if m.kind in EVENT_KINDS else _category(m.hard, m.kind in ROUTINE_KINDS)
        rows.append((french_date(m.day), nature, year, m.label, _explanation(m)))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row[:4], widths, strict=True))
        + "  "
        + row[4]
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * w for w in widths) + "  " + "-" * 9)
    # After a blank line, each warning on a line of its own, the last one ended too (found by
    # probing: the output ended without a newline).
    notes = "".join(f"\nAttention : {w}" for w in calendar.warnings)
    return (
        header
        + "\n"
        + "\n".join(line.rstrip() for line in lines)
        + "\n"
        + notes
        + ("\n" if notes else "")
    )


def calendar_to_ics(terms: ContractTerms, calendar: ContractCalendar) -> bytes:
    """An iCalendar file: one all-day event per milestone, an alarm a week before legal ones."""
    ics = Calendar()
    ics.add("prodid", "-//cpom//calendrier CPOM//FR")
    ics.add("version", "2.0")
    ics.add("x-wr-calname", vText(f"CPOM {terms.reference}"))
    for m in calendar.milestones:
        event = Event()
        event.add("uid", f"{terms.reference}-{m.kind.value}-{m.day.isoformat()}@cpom")
        event.add("dtstamp", _stamp(terms))
        event.add("dtstart", m.day)
        event.add("dtend", m.day + timedelta(days=1))
        event.add("summary", f"{m.label} — CPOM {terms.reference}")
        event.add("description", typeset(_explanation(m)))
        routine = m.kind in ROUTINE_KINDS
        event.add("categories", [_category(m.hard, routine)])
        event.add("transp", "TRANSPARENT")
        if m.hard and not routine:
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", typeset(f"Dans 7 jours : {m.label}"))
            alarm.add("trigger", timedelta(days=-7))
            event.add_component(alarm)
        ics.add_component(event)
    ical: bytes = ics.to_ical()
    return ical


ROUTINE_VALUES = frozenset(kind.value for kind in ROUTINE_KINDS)


def _category(hard: bool, routine: bool) -> str:
    """Payments and monthly reports are dates to know: no alarm rings for them."""
    if routine:
        return "date à connaître"
    return "délai légal" if hard else "cible"


def _stamp(terms: ContractTerms) -> datetime:
    # A stamp derived from the terms keeps the export reproducible byte for byte.
    return datetime.combine(terms.effet, datetime.min.time(), tzinfo=UTC)


class _Contract(Protocol):
    reference: str
    gestionnaire: str


def agenda_to_ics(
    name: str,
    contracts: Sequence[tuple[_Contract, Sequence[AgendaItem]]],
    stamp: datetime,
    today: date,
) -> bytes:
    """Live agendas as an iCalendar feed: one all-day event per step, stamped `stamp`.

    Each event says where the step stands on `today`, who is awaited and what silence means;
    legal deadlines still open get an alarm a week before.
    """
    ics = Calendar()
    ics.add("prodid", "-//cpom//agenda CPOM//FR")
    ics.add("version", "2.0")
    # A property the library does not know is written as given: said as text, it is escaped
    # (a person's name may hold a comma, a semicolon or a backslash).
    ics.add("x-wr-calname", vText(name))
    ics.add("x-wr-timezone", "Europe/Paris")
    for contract, items in contracts:
        for item in items:
            status = status_on(item, today)
            event = Event()
            event.add("uid", f"{contract.reference}-{item.key}@cpom")
            event.add("dtstamp", stamp)
            event.add("dtstart", item.day)
            event.add("dtend", item.day + timedelta(days=1))
            prefix = "[en retard] " if status is Status.MISSED and item.obligation else ""
            event.add("summary", f"{prefix}{item.label} — CPOM {contract.reference}")
            event.add("description", _item_text(contract, item, status))
            routine = item.kind in ROUTINE_VALUES
            event.add("categories", [_category(item.hard, routine)])
            event.add("transp", "TRANSPARENT")
            if item.hard and not routine and status in (Status.PENDING, Status.UPCOMING):
                alarm = Alarm()
                alarm.add("action", "DISPLAY")
                alarm.add("description", typeset(f"Dans 7 jours : {item.label}"))
                alarm.add("trigger", timedelta(days=-7))
                event.add_component(alarm)
            ics.add_component(event)
    ical: bytes = ics.to_ical()
    return ical


def _item_text(contract: _Contract, item: AgendaItem, status: Status) -> str:
    lines = [f"CPOM {contract.reference} — {contract.gestionnaire}"]
    if status is Status.DONE and item.done_on is not None:
        lines.append(
            f"Fait le {item.done_on:%d/%m/%Y}"
            + (f" par {item.done_by}" if item.done_by else "")
            + (f" : {item.outcome}" if item.outcome else "")
        )
    else:
        lines.append(f"État : {STATUS_LABELS[status]}")
    if item.silence_on is not None:
        means = SILENCE_MEANS[item.on_silence]
        lines.append(f"Le silence vaut {means} à compter du {item.silence_on:%d/%m/%Y}.")
    if item.consequence:
        # A sentence of its own: consequences say their own condition (« à défaut, … »,
        # « sans toutes les pièces au … : … », « sans objet : … »), or none (« dernier jour
        # d'application du contrat »). Found by probing: « À défaut : à défaut, … ».
        lines.append(f"{capitalized(item.consequence)}.")
    lines.append(
        f"Fondement : {item.basis.rule}" + (f" ({item.basis.law})." if item.basis.law else ".")
    )
    # French spacing, as on pages and in mails (no-break spaces before « : ; ! ? »).
    return typeset("\n".join(lines))
