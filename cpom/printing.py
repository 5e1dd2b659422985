"""Documents printed as PDF/A-3b by WeasyPrint, with their data attached as JSON, and where on
its pages each party signs.

WeasyPrint costs half a second to import: it is imported by the first document printed, so that
commands that print nothing (`cpom simulate` without documents, `cpom calendar`) stay fast.
"""

from __future__ import annotations

import atexit
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from cpom.shared_libraries import looked_up_in_loader_cache

if TYPE_CHECKING:
    from weasyprint import CSS, Document
    from weasyprint.text.fonts import FontConfiguration

FONT_DIR = Path(__file__).with_name("fonts")
# The fonts ship with the project: a machine without any font installed prints the same pages.
FONT_FACES = {
    ("normal", "DejaVuSansCondensed.ttf"),
    ("bold", "DejaVuSansCondensed-Bold.ttf"),
}
FONT_FAMILY = "DejaVu Sans Condensed"
DATA_NAME = "donnees.json"
# The element of a template that is a party's room to sign: `<div data-signature="cd35">`.
ROOM_ATTRIBUTE = "data-signature"
# WeasyPrint lays out in CSS pixels and prints 96 of them to the inch, 72 points.
POINTS_PER_PIXEL = 0.75

# WeasyPrint's font configuration is shared between documents, so that each does not load the
# fonts again; a worker prints from several threads, hence one document at a time.
_lock = threading.Lock()


@cache
def _fonts() -> tuple[FontConfiguration, CSS]:
    with looked_up_in_loader_cache():  # WeasyPrint's libraries (see `shared_libraries`)
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration

    config = FontConfiguration()
    faces = "\n".join(
        f'@font-face {{ font-family: "{FONT_FAMILY}"; font-weight: {weight}; '
        f'src: url("{(FONT_DIR / name).as_uri()}"); }}'
        for weight, name in sorted(FONT_FACES)
    )
    return config, CSS(string=faces, font_config=config)


def warm_up() -> None:
    """Import WeasyPrint and load the fonts now, so that the first document does not wait for
    them: a worker calls it in a background thread when it starts, while it waits for its
    first tasks."""
    _fonts()
    from weasyprint import HTML  # noqa: F401


# The configuration removes its folder of fonts when it is deleted, which it cannot do once the
# interpreter has begun to shut down.
atexit.register(_fonts.cache_clear)


@dataclass(frozen=True, slots=True)
class SignatureRoom:
    """Where a party signs: its key (`Authority.key`, `gestionnaire`), the page (from 0) and the
    box (left, bottom, right, top) in PDF points from the page's bottom left corner."""

    party: str
    page: int
    box: tuple[int, int, int, int]


@dataclass(frozen=True, slots=True)
class Printed:
    pdf: bytes
    rooms: tuple[SignatureRoom, ...]


def _rooms(document: Document) -> tuple[SignatureRoom, ...]:
    """Each party's room to sign, as laid out: the first box of each element marked with
    `data-signature` (a room is kept on one page)."""
    rooms: dict[str, SignatureRoom] = {}
    for number, page in enumerate(document.pages):
        height = page.height * POINTS_PER_PIXEL
        for box in page._page_box.descendants():
            element = getattr(box, "element", None)
            party = element.get(ROOM_ATTRIBUTE) if element is not None else None
            if not party or party in rooms:
                continue
            left = box.border_box_x() * POINTS_PER_PIXEL
            top = box.border_box_y() * POINTS_PER_PIXEL
            width = box.border_width() * POINTS_PER_PIXEL
            depth = box.border_height() * POINTS_PER_PIXEL
            rooms[party] = SignatureRoom(
                party,
                number,
                (
                    round(left),
                    round(height - top - depth),
                    round(left + width),
                    round(height - top),
                ),
            )
    return tuple(rooms.values())


def print_pdf(html: str, data: bytes, base_url: Path) -> Printed:
    """The PDF/A-3b of a document's HTML page, its structured data attached as `donnees.json`
    (relationship Data: the data the document states, for archives and other software), and the
    rooms to sign its layout gave each party."""
    from weasyprint import HTML, Attachment

    with _lock:
        config, faces = _fonts()
        attachment = Attachment(
            string=data,
            name=DATA_NAME,
            description="Données structurées du document (JSON)",
            relationship="Data",
        )
        options = {
            "stylesheets": [faces],
            "pdf_variant": "pdf/a-3b",
            "attachments": [attachment],
        }
        # Laid out once: the rooms are read from the very layout that is printed.
        document = HTML(string=html, base_url=str(base_url)).render(font_config=config, **options)
        pdf: bytes = document.write_pdf(**options)
        rooms = _rooms(document)
    return Printed(pdf, rooms)
