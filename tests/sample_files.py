"""Files as users upload them, made by the libraries that write these formats."""

import io
import zipfile

from fpdf import FPDF
from openpyxl import Workbook
from PIL import Image


def pdf(text: str = "Avis de réception") -> bytes:
    document = FPDF()
    document.add_page()
    document.set_font("helvetica", size=12)
    document.cell(text=text.encode("latin-1", "replace").decode("latin-1"))
    return bytes(document.output())


def image(format_name: str) -> bytes:
    """A scan: PNG, JPEG, TIFF, WEBP, GIF, BMP…"""
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), (200, 30, 30)).save(buffer, format_name)
    return buffer.getvalue()


def xlsx() -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet["A1"] = "Compte administratif 2025"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def office_open_xml(folder: str) -> bytes:
    """A docx (`word`) or pptx (`ppt`) laid out as Office writes it: content types first."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships/>')
        archive.writestr(f"{folder}/document.xml", '<?xml version="1.0"?><document/>')
    return buffer.getvalue()


def open_document(mime: str) -> bytes:
    """An ODF file as LibreOffice writes it: an uncompressed `mimetype` entry first."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", mime, compress_type=zipfile.ZIP_STORED)
        archive.writestr("content.xml", '<?xml version="1.0"?><office:document-content/>')
    return buffer.getvalue()


def ole(signature: bytes) -> bytes:
    """The header of an Office 97-2003 compound file with the first sector's `signature`
    (EC A5 C1 00 for Word, 09 08 10 00 00 06 05 00 for Excel), as `filetype` reads them."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1".ljust(512, b"\0")
    return (header + signature).ljust(4096, b"\0")


def zip_archive() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "pas un document bureautique")
    return buffer.getvalue()


HTML = b"<!doctype html><html><body><script>alert(1)</script></body></html>"
TEXT = "Accusé de réception signé le 2 mai 2028.\n".encode()
EXECUTABLE = b"MZ\x90\x00" + b"\0" * 60 + b"PE\0\0" + b"\0" * 200
