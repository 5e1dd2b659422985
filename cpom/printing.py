"""Documents printed as PDF/A-3b by WeasyPrint, with their data attached as JSON.

WeasyPrint costs half a second to import: it is imported by the first document printed, so that
commands that print nothing (`cpom simulate` without documents, `cpom calendar`) stay fast.
"""

from __future__ import annotations

import atexit
import threading
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

FONT_DIR = Path(__file__).with_name("fonts")
# The fonts ship with the project: a machine without any font installed prints the same pages.
FONT_FACES = {
    ("normal", "DejaVuSansCondensed.ttf"),
    ("bold", "DejaVuSansCondensed-Bold.ttf"),
}
FONT_FAMILY = "DejaVu Sans Condensed"
DATA_NAME = "donnees.json"

# WeasyPrint's font configuration is shared between documents, so that each does not load the
# fonts again; a worker prints from several threads, hence one document at a time.
_lock = threading.Lock()


@cache
def _fonts() -> tuple[FontConfiguration, CSS]:
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

    config = FontConfiguration()
    faces = "\n".join(
        f'@font-face {{ font-family: "{FONT_FAMILY}"; font-weight: {weight}; '
        f'src: url("{(FONT_DIR / name).as_uri()}"); }}'
        for weight, name in sorted(FONT_FACES)
    )
    return config, CSS(string=faces, font_config=config)


# The configuration removes its folder of fonts when it is deleted, which it cannot do once the
# interpreter has begun to shut down.
atexit.register(_fonts.cache_clear)


def print_pdf(html: str, data: bytes, base_url: Path) -> bytes:
    """The PDF/A-3b of a document's HTML page, its structured data attached as `donnees.json`
    (relationship Data: the data the document states, for archives and other software)."""
    from weasyprint import HTML, Attachment

    with _lock:
        config, faces = _fonts()
        attachment = Attachment(
            string=data,
            name=DATA_NAME,
            description="Données structurées du document (JSON)",
            relationship="Data",
        )
        document = HTML(string=html, base_url=str(base_url))
        pdf: bytes = document.write_pdf(
            stylesheets=[faces],
            font_config=config,
            pdf_variant="pdf/a-3b",
            attachments=[attachment],
        )
    return pdf
