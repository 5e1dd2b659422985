"""Signing certificates made for a test: a certificate authority of its own and an authority's
signer, exported as PKCS#12 as a qualified certificate would be handed over."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

PASSWORD = "mot de passe du test"


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _usage(*, sign: bool, certify: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=sign,
        content_commitment=sign,
        key_encipherment=not sign and not certify,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=certify,
        crl_sign=certify,
        encipher_only=False,
        decipher_only=False,
    )


@dataclass(frozen=True)
class SigningAuthority:
    """The test's certificate authority: its certificate is the trust root of validation."""

    key: ec.EllipticCurvePrivateKey
    cert: x509.Certificate

    @classmethod
    def create(cls) -> SigningAuthority:
        key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.now(UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(_name("AC de test cpom"))
            .issuer_name(_name("AC de test cpom"))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(_usage(sign=False, certify=True), critical=True)
            .sign(key, hashes.SHA256())
        )
        return cls(key, cert)

    @property
    def trust_root(self) -> asn1_x509.Certificate:
        return asn1_x509.Certificate.load(self.cert.public_bytes(serialization.Encoding.DER))

    def issue(
        self,
        path: Path,
        holder: str = "Mme Claire Martin",
        *,
        days: int = 30,
        can_sign: bool = True,
        password: str = PASSWORD,
    ) -> Path:
        """A PKCS#12 file at `path`: the holder's key, certificate (valid `days` from now; negative:
        expired) and this authority's certificate."""
        key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.now(UTC)
        start, end = sorted([now - timedelta(days=2), now + timedelta(days=days)])
        cert = (
            x509.CertificateBuilder()
            .subject_name(_name(holder))
            .issuer_name(self.cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(end)
            .add_extension(_usage(sign=can_sign, certify=False), critical=True)
            .sign(self.key, hashes.SHA256())
        )
        path.write_bytes(
            pkcs12.serialize_key_and_certificates(
                b"signataire",
                key,
                cert,
                [self.cert],
                serialization.BestAvailableEncryption(password.encode()),
            )
        )
        return path
