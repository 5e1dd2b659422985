"""Documents ready to sign: an empty PDF signature field (AcroForm /Sig) over each party's room to
sign, and the authority's signature in its own when cpom holds its certificate.

The fields are an incremental update of the PDF WeasyPrint printed: its bytes stay as they were,
with the PDF/A-3b identification and the attached data. pyHanko is imported by the first
document (half a second).
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import TYPE_CHECKING

from cpom import french_articles
from cpom.printing import Printed

if TYPE_CHECKING:
    from cpom.signing import AuthoritySigner


def field_name(party: str) -> str:
    """The field of a party (`Authority.key`, `gestionnaire`); a dot would nest it in another."""
    return f"signature-{party.replace('.', '-')}"


def signature_of(name: str) -> str:
    """« Signature du Département… », « Signature de l'ARS… »: `name` with its article."""
    return f"Signature {french_articles.of(name)}"


def warm_up() -> None:
    """Import pyHanko now (see `cpom.printing.warm_up`)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter  # noqa: F401
    from pyhanko.sign.fields import append_signature_field  # noqa: F401


def ready_to_sign(
    printed: Printed,
    names: Mapping[str, str],
    signer: AuthoritySigner | None = None,
    location: str = "",
) -> bytes:
    """The printed document with a field for each party (`names`: their names, by key), signed in
    the field of the authority `signer` signs for, when the document has one."""
    if not printed.rooms:
        return printed.pdf
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign.fields import SigFieldSpec, append_signature_field

    writer = IncrementalPdfFileWriter(io.BytesIO(printed.pdf))
    for room in printed.rooms:
        name = names.get(room.party, room.party)
        spec = SigFieldSpec(
            field_name(room.party),
            on_page=room.page,
            box=room.box,
            readable_field_name=signature_of(name),
        )
        append_signature_field(writer, spec)
    if signer is not None and signer.authority in {room.party for room in printed.rooms}:
        authority = signer.authority
        reason = signature_of(names.get(authority, authority))
        return signer.sign(writer, field_name(authority), reason, location)
    output = io.BytesIO()
    writer.write(output)  # type: ignore[no-untyped-call]
    return output.getvalue()
