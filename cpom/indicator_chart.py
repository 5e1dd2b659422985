"""One indicator's trajectory as an inline SVG for the contract page: its targets, its value at
entry and the values reported each exercise, on a year axis.

Written with xml.etree rather than a charting library: pygal always embeds a configuration
<script> and an inline <style>, which the dashboard's Content-Security-Policy (no inline script,
no inline style) would block, and has no role or <desc> for screen readers. Here every colour and
size is a presentation attribute, which the policy allows, and ElementTree escapes every text.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Callable
from xml.etree.ElementTree import Element, SubElement, tostring

from cpom.domain.objectives import Indicator, trajectory
from cpom.french_numbers import french_number

SVG_NS = "http://www.w3.org/2000/svg"
WIDTH, HEIGHT = 640, 300
# The plot area; the left margin holds the value ticks, the bottom one the years and the legend.
LEFT, RIGHT, TOP, BOTTOM = 88, 624, 34, 230
# Room between the first and last years and the plot's edges, so their markers stay whole.
INSET = 20
INK, GRID = "#1b1b1b", "#dddddd"
TARGET, REPORTED, BASELINE = "#4a4a4a", "#000091", "#a35200"
# Characters XML 1.0 refuses: a label carrying one would make the whole page's SVG unreadable.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

Point = tuple[int, float]


def trajectory_svg(
    indicator: Indicator, values: dict[int, float], first_year: int, last_year: int
) -> str:
    """The chart of `indicator` from its year of entry (or `first_year`) to `last_year`, with
    `values` (exercise: value) as reported; its <title> and <desc> say in French what it shows."""
    unit = _clean(indicator.unit)
    baseline: Point | None = None
    if indicator.baseline is not None and indicator.baseline_year is not None:
        baseline = (indicator.baseline_year, indicator.baseline)
    path = [(p.year, p.value) for p in trajectory(indicator, last_year)]
    targets = [point for point in path if point != baseline]
    reported = sorted((year, v) for year, v in values.items() if math.isfinite(v))
    # Data outside the contract's years (a late report) widens the axis rather than vanishing.
    years = [first_year, last_year, *(year for year, _ in path + reported)]
    if indicator.baseline_year is not None:
        years.append(indicator.baseline_year)
    start, end = min(years), max(years)
    ticks = _ticks([v for _, v in path + reported])

    def x(year: int) -> float:
        if start == end:
            return (LEFT + RIGHT) / 2
        return LEFT + INSET + (year - start) / (end - start) * (RIGHT - LEFT - 2 * INSET)

    def y(value: float) -> float:
        return BOTTOM - (value - ticks[0]) / (ticks[-1] - ticks[0]) * (BOTTOM - TOP)

    def quantity(value: float) -> str:
        return f"{french_number(value)}\u00a0{unit}" if unit else french_number(value)

    anchor = "trajectoire-" + hashlib.sha256(indicator.id.encode()).hexdigest()[:12]
    svg = Element("svg", xmlns=SVG_NS, viewBox=f"0 0 {WIDTH} {HEIGHT}", width="100%")
    svg.attrib |= {"role": "img", "aria-labelledby": f"{anchor}-titre"}
    svg.attrib |= {"aria-describedby": f"{anchor}-desc", "font-size": "12", "fill": INK}
    title = f"Trajectoire de l'indicateur {_clean(indicator.id)}\u00a0: {_clean(indicator.label)}"
    _add(svg, "title", {"id": f"{anchor}-titre"}, f"{title} ({unit})" if unit else title)
    _add(svg, "desc", {"id": f"{anchor}-desc"}, _description(baseline, targets, reported, quantity))

    if unit:
        _add(svg, "text", {"x": 8, "y": TOP - 16, "class": "unit"}, unit)
    for year in range(start, end + 1):
        below: dict[str, str | float] = {"x": x(year), "y": BOTTOM + 18, "class": "year"}
        _add(svg, "text", {**below, "text-anchor": "middle"}, str(year))
    if not ticks:
        middle: dict[str, str | float] = {"x": (LEFT + RIGHT) / 2, "y": (TOP + BOTTOM) / 2}
        _add(svg, "text", {**middle, "text-anchor": "middle"}, "Aucune donnée à afficher")
    decimals = _decimals(ticks)
    for tick in ticks:
        _add(svg, "line", {"x1": LEFT, "y1": y(tick), "x2": RIGHT, "y2": y(tick), "stroke": GRID})
        tick_label = french_number(tick, decimals)
        _add(svg, "text", {"x": LEFT - 8, "y": y(tick) + 4, "text-anchor": "end"}, tick_label)
    _add(svg, "line", {"x1": LEFT, "y1": BOTTOM, "x2": RIGHT, "y2": BOTTOM, "stroke": INK})

    legend: list[tuple[str, str]] = []
    if targets:
        group = _add(svg, "g", {"class": "target", "stroke": TARGET, "fill": "#ffffff"})
        _line(group, [(x(year), y(v)) for year, v in path], dashed=True)
        for year, v in targets:
            _marker(group, "circle", x(year), y(v), year, f"Cible {year}\u00a0: {quantity(v)}")
        legend.append(("Cible", "target"))
    if baseline:
        group = _add(svg, "g", {"class": "baseline", "fill": BASELINE})
        tip = f"Valeur d'entrée {baseline[0]}\u00a0: {quantity(baseline[1])}"
        _marker(group, "rect", x(baseline[0]), y(baseline[1]), baseline[0], tip)
        legend.append(("Valeur d'entrée", "baseline"))
    if reported:
        group = _add(svg, "g", {"class": "reported", "stroke": REPORTED, "fill": REPORTED})
        # A year without a report breaks the line: joining across it would invent a value.
        run: list[tuple[float, float]] = []
        for index, (year, v) in enumerate(reported):
            if index and year != reported[index - 1][0] + 1:
                _line(group, run, dashed=False)
                run = []
            run.append((x(year), y(v)))
        _line(group, run, dashed=False)
        for year, v in reported:
            tip = f"Valeur déclarée {year}\u00a0: {quantity(v)}"
            _marker(group, "circle", x(year), y(v), year, tip)
        legend.append(("Valeur déclarée", "reported"))
    _legend(svg, legend)
    return tostring(svg, encoding="unicode")


def _clean(text: str) -> str:
    return _NOT_XML.sub("", text)


def _description(
    baseline: Point | None,
    targets: list[Point],
    reported: list[Point],
    quantity: Callable[[float], str],
) -> str:
    def listed(points: list[Point]) -> str:
        return ", ".join(f"{quantity(v)} en {year}" for year, v in points) + "."

    parts = []
    if baseline:
        parts.append(f"Valeur d'entrée en {baseline[0]}\u00a0: {quantity(baseline[1])}.")
    if targets:
        parts.append(("Cibles" if targets[1:] else "Cible") + "\u00a0: " + listed(targets))
    else:
        parts.append("Aucune cible fixée.")
    if reported:
        name = "Valeurs déclarées" if reported[1:] else "Valeur déclarée"
        parts.append(f"{name}\u00a0: {listed(reported)}")
    else:
        parts.append("Aucune valeur déclarée.")
    return " ".join(parts)


def _ticks(numbers: list[float]) -> list[float]:
    """Round values around `numbers`, about five of them; none without numbers."""
    if not numbers:
        return []
    low, high = min(numbers), max(numbers)
    if low == high:
        # All equal: a band around the value, so the line sits in the middle, not on an edge.
        pad = abs(low) / 10 or 1.0
        low, high = low - pad, high + pad
    raw = (high - low) / 4
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw * (1 - 1e-9))
    first, last = math.floor(low / step + 1e-9), math.ceil(high / step - 1e-9)
    return [round(i * step, 10) for i in range(first, last + 1)]


def _decimals(ticks: list[float]) -> int:
    """As many decimals as the ticks' step needs, so no two ticks read the same."""
    if len(ticks) < 2:
        return 0
    return max(0, -math.floor(math.log10(ticks[1] - ticks[0]) + 1e-9))


def _add(
    parent: Element, tag: str, attributes: dict[str, str | float], text: str | None = None
) -> Element:
    element = SubElement(parent, tag, {key: _attribute(v) for key, v in attributes.items()})
    element.text = text
    return element


def _attribute(value: str | float) -> str:
    return f"{value:.1f}".removesuffix(".0") if isinstance(value, float) else str(value)


def _line(group: Element, points: list[tuple[float, float]], *, dashed: bool) -> None:
    if not points[1:]:
        return
    attributes: dict[str, str | float] = {"fill": "none", "stroke-width": 2}
    attributes["points"] = " ".join(f"{_attribute(a)},{_attribute(b)}" for a, b in points)
    if dashed:
        attributes["stroke-dasharray"] = "6 4"
    _add(group, "polyline", attributes)


def _marker(group: Element, shape: str, cx: float, cy: float, year: int, tip: str) -> None:
    """A point's marker: a circle, or a square (the value at entry), with its value as the
    tooltip a pointer shows."""
    if shape == "circle":
        attributes: dict[str, str | float] = {"cx": cx, "cy": cy, "r": 4.5, "stroke-width": 2}
    else:
        attributes = {"x": cx - 5, "y": cy - 5, "width": 10, "height": 10}
    _add(_add(group, shape, {**attributes, "data-year": year}), "title", {}, tip)


def _legend(svg: Element, entries: list[tuple[str, str]]) -> None:
    top = HEIGHT - 22
    for index, (label, kind) in enumerate(entries):
        left = LEFT + 170 * index
        group = _add(svg, "g", {"class": f"legend-{kind}"})
        if kind == "baseline":
            _add(group, "rect", {"x": left + 10, "y": top - 5, "width": 10, "height": 10})
            group.attrib["fill"] = BASELINE
        else:
            colour = TARGET if kind == "target" else REPORTED
            group.attrib |= {"stroke": colour, "fill": "#ffffff" if kind == "target" else colour}
            _line(group, [(left, top), (left + 30, top)], dashed=kind == "target")
            _add(group, "circle", {"cx": left + 15, "cy": top, "r": 4.5, "stroke-width": 2})
        _add(group, "text", {"x": left + 38, "y": top + 4, "fill": INK, "stroke": "none"}, label)
