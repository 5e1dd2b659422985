"""The trajectory chart of one indicator, read back as XML: what is drawn, what is read out."""

import math
import xml.etree.ElementTree as ET

import pytest

from cpom.domain.objectives import Direction, Indicator, Target
from cpom.french_numbers import french_number
from cpom.indicator_chart import BOTTOM, SVG_NS, TOP, trajectory_svg

NS = {"svg": SVG_NS}
NBSP, NNBSP = "\u00a0", "\u202f"
ABSENTEEISM = Indicator(
    "1.1",
    "taux d'absentéisme",
    "%",
    baseline=12.5,
    baseline_year=2022,
    targets=(Target(2024, 11.0),),
    final_target=9.5,
    direction=Direction.DOWN,
)
REPORTED = {2023: 12.8, 2024: 11.9, 2025: 10.4}


def chart(
    indicator: Indicator = ABSENTEEISM,
    values: dict[int, float] | None = None,
    first_year: int = 2023,
    last_year: int = 2027,
) -> ET.Element:
    return ET.fromstring(
        trajectory_svg(indicator, REPORTED if values is None else values, first_year, last_year)
    )


def markers(root: ET.Element, series: str) -> list[tuple[int, float, float]]:
    """(year, x, y) of each point of a series, in the order drawn."""
    points = []
    for element in root.findall(f"svg:g[@class='{series}']/*[@data-year]", NS):
        if element.tag == f"{{{SVG_NS}}}circle":
            x, y = float(element.attrib["cx"]), float(element.attrib["cy"])
        else:  # the square of the value at entry: its centre
            x = float(element.attrib["x"]) + float(element.attrib["width"]) / 2
            y = float(element.attrib["y"]) + float(element.attrib["height"]) / 2
        points.append((int(element.attrib["data-year"]), x, y))
    return points


def lines(root: ET.Element, series: str) -> list[ET.Element]:
    return root.findall(f"svg:g[@class='{series}']/svg:polyline", NS)


def polyline_points(line: ET.Element) -> list[float]:
    """x1, y1, x2, y2, … of a polyline's points."""
    return [float(n) for point in line.attrib["points"].split() for n in point.split(",")]


def flat(points: list[tuple[int, float, float]]) -> list[float]:
    return [n for _, x, y in points for n in (x, y)]


def texts(root: ET.Element) -> list[str]:
    return [element.text or "" for element in root.iter(f"{{{SVG_NS}}}text")]


def years(root: ET.Element) -> list[str]:
    return [element.text or "" for element in root.findall("svg:text[@class='year']", NS)]


def legend(root: ET.Element) -> list[str]:
    return [element.text or "" for element in root.findall("svg:g[@class]/svg:text", NS)]


def description(root: ET.Element) -> str:
    desc = root.find("svg:desc", NS)
    assert desc is not None
    return desc.text or ""


def test_the_chart_is_an_image_named_and_described_in_french() -> None:
    root = chart()
    assert root.tag == f"{{{SVG_NS}}}svg"
    assert root.attrib["role"] == "img"
    assert root.attrib["width"] == "100%"
    assert root.attrib["viewBox"] == "0 0 640 300"
    title = root.find("svg:title", NS)
    assert title is not None
    assert title.text == f"Trajectoire de l'indicateur 1.1{NBSP}: taux d'absentéisme (%)"
    # The name and the description are found by their ids too, for older screen readers.
    assert root.attrib["aria-labelledby"] == title.attrib["id"]
    desc = root.find("svg:desc", NS)
    assert desc is not None
    assert root.attrib["aria-describedby"] == desc.attrib["id"]
    assert desc.text == (
        f"Valeur d'entrée en 2022{NBSP}: 12,5{NBSP}%. "
        f"Cibles{NBSP}: 11{NBSP}% en 2024, 9,5{NBSP}% en 2027. "
        f"Valeurs déclarées{NBSP}: 12,8{NBSP}% en 2023, 11,9{NBSP}% en 2024, 10,4{NBSP}% en 2025."
    )
    assert legend(root) == ["Cible", "Valeur d'entrée", "Valeur déclarée"]
    assert "%" in texts(root)


def test_points_are_placed_by_year_and_value() -> None:
    root = chart()
    targets, (baseline,), reported = (markers(root, s) for s in ("target", "baseline", "reported"))
    assert [year for year, _, _ in targets] == [2024, 2027]
    assert [year for year, _, _ in reported] == [2023, 2024, 2025]
    assert baseline[0] == 2022
    # Years run left to right, the value at entry (2022) first, before the contract's first year.
    xs = {year: x for year, x, _ in [*targets, baseline, *reported]}
    assert xs[2022] < xs[2023] < xs[2024] < xs[2025] < xs[2027]
    # A year's target and its reported value stand one above the other.
    assert [x for year, x, _ in targets if year == 2024] == [
        x for year, x, _ in reported if year == 2024
    ]
    # A higher value is drawn higher: a smaller y.
    ys = {year: y for year, _, y in reported}
    assert ys[2023] < ys[2024] < ys[2025]
    target_2024 = next(y for year, _, y in targets if year == 2024)
    assert ys[2024] < target_2024  # 11,9 reported against a target of 11
    assert baseline[2] < target_2024
    assert all(TOP <= y <= BOTTOM for _, _, y in [*targets, baseline, *reported])


def test_the_target_line_is_dashed_from_the_value_at_entry_and_the_reported_line_solid() -> None:
    root = chart()
    (target_line,) = lines(root, "target")
    assert target_line.attrib["stroke-dasharray"]
    expected = flat(markers(root, "baseline") + markers(root, "target"))
    assert polyline_points(target_line) == pytest.approx(expected, abs=0.1)
    (reported_line,) = lines(root, "reported")
    assert "stroke-dasharray" not in reported_line.attrib
    assert polyline_points(reported_line) == pytest.approx(flat(markers(root, "reported")), abs=0.1)


def test_a_year_without_a_report_breaks_the_reported_line() -> None:
    root = chart(values={2023: 12.8, 2024: 11.9, 2026: 10.0})
    (line,) = lines(root, "reported")
    assert len(polyline_points(line)) == 4  # 2023 and 2024 joined; 2026 stands alone
    assert [year for year, _, _ in markers(root, "reported")] == [2023, 2024, 2026]


def test_every_text_of_the_indicator_is_escaped() -> None:
    hostile = Indicator(
        'x" onload="alert(1)',
        "<script>alert('label')</script> & co",
        "<b>€</b>",
        targets=(Target(2025, 3.0),),
    )
    svg = trajectory_svg(hostile, {2024: 2.0}, 2023, 2027)
    assert "<script" not in svg
    assert "<b>" not in svg
    assert "& co" not in svg  # a bare ampersand would not even be XML
    assert "&amp; co" in svg
    root = ET.fromstring(svg)
    title = root.find("svg:title", NS)
    assert title is not None
    assert title.text == (
        f'Trajectoire de l\'indicateur x" onload="alert(1){NBSP}: '
        "<script>alert('label')</script> & co (<b>€</b>)"
    )
    assert not any(name.startswith("on") for element in root.iter() for name in element.attrib)
    assert description(root) == (
        f"Cible{NBSP}: 3{NBSP}<b>€</b> en 2025. Valeur déclarée{NBSP}: 2{NBSP}<b>€</b> en 2024."
    )


def test_characters_xml_refuses_are_dropped_rather_than_breaking_the_page() -> None:
    root = chart(Indicator("2.1", "taux\x00 de\x0b rotation", "%\x1f"), values={2024: 4.0})
    title = root.find("svg:title", NS)
    assert title is not None
    assert title.text == f"Trajectoire de l'indicateur 2.1{NBSP}: taux de rotation (%)"


@pytest.mark.parametrize(
    ("indicator", "values"),
    [
        (ABSENTEEISM, REPORTED),
        (Indicator("3", "<script>x</script>"), {}),
        (Indicator("4", "vide", targets=(Target(2025, -1.0),)), {2023: -5.0}),
    ],
)
def test_no_script_no_style_no_link(indicator: Indicator, values: dict[int, float]) -> None:
    # The dashboard's policy blocks inline script and style: the chart needs neither.
    root = ET.fromstring(trajectory_svg(indicator, values, 2023, 2027))
    tags = {element.tag.removeprefix(f"{{{SVG_NS}}}") for element in root.iter()}
    assert not tags & {"script", "style", "foreignObject", "a", "image", "use"}
    attributes = {name for element in root.iter() for name in element.attrib}
    assert "style" not in attributes
    assert not any(name.startswith("on") or name.endswith("href") for name in attributes)


def test_nothing_yet_still_draws_the_years_and_says_so() -> None:
    root = chart(Indicator("5.2", "délai moyen d'admission", "jours"), values={})
    desc = description(root)
    assert desc == "Aucune cible fixée. Aucune valeur déclarée."
    assert "Aucune donnée à afficher" in texts(root)
    assert years(root) == ["2023", "2024", "2025", "2026", "2027"]
    assert not root.findall("svg:g", NS)  # no series, no legend


def test_targets_without_any_reported_value() -> None:
    root = chart(values={})
    assert not markers(root, "reported")
    assert [year for year, _, _ in markers(root, "target")] == [2024, 2027]
    assert description(root).endswith("Aucune valeur déclarée.")
    assert legend(root) == ["Cible", "Valeur d'entrée"]
    assert "Aucune donnée à afficher" not in texts(root)


def test_without_a_value_at_entry_the_axis_starts_with_the_contract() -> None:
    indicator = Indicator(
        "1.2", "taux d'occupation", "%", targets=(Target(2025, 95.0),), final_target=97.0
    )
    root = chart(indicator, values={2023: 91.0})
    assert not markers(root, "baseline")
    assert years(root)[0] == "2023"
    assert legend(root) == ["Cible", "Valeur déclarée"]
    assert description(root).startswith(f"Cibles{NBSP}: 95{NBSP}% en 2025, 97{NBSP}% en 2027.")


def test_a_report_outside_the_contracts_years_widens_the_axis() -> None:
    root = chart(values={2028: 9.0})
    assert years(root) == [str(year) for year in range(2022, 2029)]  # from the value at entry


def test_a_single_point_sits_in_the_middle_without_a_line() -> None:
    root = chart(
        Indicator("6", "nombre de places", "places"),
        values={2025: 12.0},
        first_year=2025,
        last_year=2025,
    )
    ((year, x, y),) = markers(root, "reported")
    assert year == 2025
    assert TOP < y < BOTTOM
    assert math.isfinite(x)
    assert not lines(root, "reported")
    assert (
        description(root) == f"Aucune cible fixée. Valeur déclarée{NBSP}: 12{NBSP}places en 2025."
    )


def test_equal_values_lie_on_one_level_inside_the_plot() -> None:
    flat = Indicator(
        "7", "taux de conformité", "%", baseline=100.0, baseline_year=2023, final_target=100.0
    )
    root = chart(flat, values={2024: 100.0, 2025: 100.0})
    points = [*markers(root, "baseline"), *markers(root, "target"), *markers(root, "reported")]
    assert len(points) == 4
    assert len({round(y, 1) for _, _, y in points}) == 1
    assert TOP < points[0][2] < BOTTOM


def test_negative_values_are_drawn_below_zero() -> None:
    balance = Indicator(
        "8",
        "résultat d'exploitation",
        "€",
        baseline=-25_000.0,
        baseline_year=2023,
        final_target=10_000.0,
    )
    root = chart(balance, values={2024: -12_500.5, 2025: 2_000.0})
    ys = {year: y for year, _, y in markers(root, "reported")}
    assert ys[2025] < ys[2024]
    assert markers(root, "baseline")[0][2] > ys[2024]
    assert all(math.isfinite(y) and TOP <= y <= BOTTOM for y in ys.values())
    assert f"-12{NNBSP}500,5{NBSP}€ en 2024" in description(root)
    assert f"-30{NNBSP}000" in texts(root)  # the axis goes below the lowest value


def test_values_that_are_not_numbers_are_left_out() -> None:
    root = chart(values={2023: math.nan, 2024: math.inf, 2025: 10.0})
    assert [year for year, _, _ in markers(root, "reported")] == [2025]


@pytest.mark.parametrize(
    ("value", "decimals", "text"),
    [
        (1234.5, 2, f"1{NNBSP}234,5"),
        (1234567.891, 2, f"1{NNBSP}234{NNBSP}567,89"),
        (10.0, 2, "10"),
        (0.5, 2, "0,5"),
        (-2500.25, 2, f"-2{NNBSP}500,25"),
        (-0.001, 2, "0"),
        (2.25, 1, "2,2"),
        (999.999, 2, f"1{NNBSP}000"),
    ],
)
def test_french_numbers(value: float, decimals: int, text: str) -> None:
    assert french_number(value, decimals) == text


def test_axis_ticks_are_round_french_numbers() -> None:
    staff = Indicator(
        "9",
        "heures de formation",
        "heures",
        baseline=1_500.0,
        baseline_year=2023,
        final_target=2_600.0,
    )
    labels = [t for t in texts(chart(staff, values={2024: 1_750.5})) if NNBSP in t]
    # From 1 500 to 2 600, by steps of 500: the axis ends on a round value above the highest.
    assert labels == [f"1{NNBSP}500", f"2{NNBSP}000", f"2{NNBSP}500", f"3{NNBSP}000"]
    ratio = chart(Indicator("10", "ratio", targets=(Target(2024, 0.25),)), values={2023: 0.1})
    # Steps of 0,05 need two decimals, or 0,15 and 0,2 would read the same.
    assert [t for t in texts(ratio) if "," in t] == ["0,1", "0,15", "0,2", "0,25"]
