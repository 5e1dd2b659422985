"""The font of a signature's visible stamp: the documents' own DejaVu Sans Condensed, embedded in
the stamp as PDF/A wants every font.

pyHanko writes glyph widths in the font's units, which PDF reads as thousandths of the font size:
right only for a font of 1,000 units to the em. DejaVu has 2,048, so the stamp's font is a copy
scaled to 1,000, cut down to the Latin letters and punctuation French needs (scaling the whole
font takes two seconds; this copy, a third of a second, once per process).

Imported by the first signature: pyHanko takes half a second to import.
"""

from __future__ import annotations

import io
from functools import cache

from fontTools import subset
from fontTools.ttLib import TTFont
from fontTools.ttLib.scaleUpem import scale_upem
from pyhanko.pdf_utils.font.api import FontEngineFactory
from pyhanko.pdf_utils.font.opentype import GlyphAccumulator
from pyhanko.pdf_utils.writer import BasePdfFileWriter

from cpom.printing import FONT_DIR

# Basic Latin, Latin-1, Latin Extended-A, general punctuation (no-break and narrow spaces,
# dashes, guillemets' neighbours) and the euro sign.
_CHARACTERS = [*range(0x20, 0x7F), *range(0xA0, 0x180), *range(0x2000, 0x2070), 0x20AC]
# Tables the stamp never uses; pyHanko's own subset of the stamp would warn, on every signature,
# that it does not know how to cut FontForge's timestamp (FFTM).
_DROPPED = ["FFTM", "GPOS", "GSUB", "kern", "MATH"]


@cache
def stamp_font_program() -> bytes:
    font = TTFont(FONT_DIR / "DejaVuSansCondensed.ttf")
    options = subset.Options(
        layout_features=[],
        name_IDs=["*"],
        notdef_outline=True,
        drop_tables=[*subset.Options().drop_tables, *_DROPPED],
    )
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=_CHARACTERS)
    subsetter.subset(font)
    scale_upem(font, 1000)
    program = io.BytesIO()
    font.save(program)
    return program.getvalue()


class StampFont(FontEngineFactory):
    def __init__(self, size: int = 10) -> None:
        self.size = size

    def create_font_engine(
        self, writer: BasePdfFileWriter, obj_stream: object = None
    ) -> GlyphAccumulator:
        return GlyphAccumulator(
            writer, io.BytesIO(stamp_font_program()), font_size=self.size, obj_stream=obj_stream
        )
