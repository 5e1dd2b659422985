"""An authority's electronic signature on the documents it signs: PAdES (baseline B-B, pyHanko),
with the certificate and private key of a PKCS#12 file (`CPOM_SIGNING_CERTIFICATE`, its password
`CPOM_SIGNING_PASSWORD`), for the authority `CPOM_SIGNING_AUTHORITY` names.

The certificate is read when the worker starts: one that cannot sign stops it, with the reason.
pyHanko is imported by the first certificate read (half a second).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from cpom.settings import Settings

if TYPE_CHECKING:
    from cryptography import x509
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign.signers import SimpleSigner


class InvalidSigningCertificate(ValueError):
    """A certificate that cannot sign, the reason in French."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"CPOM_SIGNING_CERTIFICATE ({path}) : {reason}")


@dataclass(frozen=True)
class AuthoritySigner:
    """Signs for the authority `authority` (its `Authority.key`) as `name`, the certificate's
    holder."""

    authority: str
    name: str
    signer: SimpleSigner

    def sign(
        self,
        writer: IncrementalPdfFileWriter,
        field: str,
        reason: str,
        location: str = "",
    ) -> bytes:
        """The document of `writer` signed in its empty field `field`: a PAdES signature (an
        approval: the other signatories can sign their fields after it), its visible stamp
        saying who signed and when."""
        from pyhanko.pdf_utils.text import TextBoxStyle
        from pyhanko.sign.fields import SigSeedSubFilter
        from pyhanko.sign.signers import PdfSignatureMetadata, PdfSigner
        from pyhanko.stamp import TextStampStyle

        from cpom.stamp_font import StampFont

        metadata = PdfSignatureMetadata(
            field_name=field,
            md_algorithm="sha256",
            subfilter=SigSeedSubFilter.PADES,
            reason=reason,
            name=self.name,
            location=location or None,
        )
        stamp = TextStampStyle(
            stamp_text="Signé électroniquement par %(signer)s\nle %(ts)s",
            timestamp_format="%d/%m/%Y à %H:%M %Z",
            text_box_style=TextBoxStyle(font=StampFont()),
            border_width=0,
        )
        signed = PdfSigner(metadata, self.signer, stamp_style=stamp).sign_pdf(writer)
        assert isinstance(signed, io.BytesIO)
        return signed.getvalue()


def _holder(certificate: x509.Certificate) -> str:
    from cryptography.x509.oid import NameOID

    names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(names[0].value) if names else certificate.subject.rfc4514_string()


def _problem(certificate: x509.Certificate, now: datetime) -> str | None:
    from cryptography import x509

    holder = _holder(certificate)
    if now < certificate.not_valid_before_utc:
        return f"le certificat de {holder} n'est valable qu'à partir du " + (
            f"{certificate.not_valid_before_utc:%d/%m/%Y}"
        )
    if now > certificate.not_valid_after_utc:
        return f"le certificat de {holder} a expiré le {certificate.not_valid_after_utc:%d/%m/%Y}"
    try:
        usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return None
    if not (usage.digital_signature or usage.content_commitment):
        return (
            f"le certificat de {holder} ne permet pas de signer (usage de clé sans signature "
            "numérique ni non-répudiation)"
        )
    return None


def load_signer(path: Path, password: str | None, authority: str, now: datetime) -> AuthoritySigner:
    """The signer of the PKCS#12 file `path`; InvalidSigningCertificate when it cannot be read
    or its certificate cannot sign on `now`. Also prepares the stamp's font, so that the first
    document signed does not wait for it."""
    from cryptography.hazmat.primitives.serialization import pkcs12
    from pyhanko.sign.signers import SimpleSigner

    from cpom.stamp_font import stamp_font_program

    try:
        data = path.read_bytes()
    except OSError as error:
        raise InvalidSigningCertificate(
            path, f"fichier illisible ({error.strerror or error})"
        ) from None
    secret = password.encode() if password else None
    try:
        key, certificate, _ = pkcs12.load_key_and_certificates(data, secret)
    except ValueError:
        raise InvalidSigningCertificate(
            path,
            "fichier PKCS#12 illisible : mot de passe (CPOM_SIGNING_PASSWORD) erroné, ou fichier "
            "d'un autre format",
        ) from None
    if key is None or certificate is None:
        raise InvalidSigningCertificate(
            path, "le fichier doit contenir le certificat du signataire et sa clé privée"
        )
    if (problem := _problem(certificate, now)) is not None:
        raise InvalidSigningCertificate(path, problem)
    signer = SimpleSigner.load_pkcs12_data(data, other_certs=[], passphrase=secret)
    stamp_font_program()
    return AuthoritySigner(authority, _holder(certificate), signer)


def signer_from(settings: Settings, now: datetime) -> AuthoritySigner | None:
    """The authority's signer the settings configure; None: documents are left unsigned."""
    if settings.signing_certificate is None:
        return None
    password = settings.signing_password
    return load_signer(
        settings.signing_certificate,
        password.get_secret_value() if password else None,
        settings.signing_authority,
        now,
    )
