"""The authority's signing certificate, read when the worker starts: one that cannot sign stops it
with the reason, in French."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from cpom.settings import Settings
from cpom.signing import InvalidSigningCertificate, load_signer, signer_from
from tests.signing_certificates import PASSWORD, SigningAuthority


@pytest.fixture(scope="module")
def authority() -> SigningAuthority:
    return SigningAuthority.create()


def refusal(path: Path, password: str | None = PASSWORD) -> str:
    with pytest.raises(InvalidSigningCertificate) as refused:
        load_signer(path, password, "cd35", datetime.now(UTC))
    return str(refused.value)


def test_the_settings_sign_for_the_authority_they_name(
    authority: SigningAuthority, tmp_path: Path
) -> None:
    p12 = authority.issue(tmp_path / "cd35.p12")
    settings = Settings(
        signing_certificate=p12, signing_password=SecretStr(PASSWORD), signing_authority="cd35"
    )
    signer = signer_from(settings, datetime.now(UTC))
    assert signer is not None
    assert (signer.authority, signer.name) == ("cd35", "Mme Claire Martin")
    assert signer_from(Settings(), datetime.now(UTC)) is None


def test_a_certificate_without_its_authority_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValidationError) as refused:
        Settings(signing_certificate=tmp_path / "cd35.p12")
    assert "CPOM_SIGNING_CERTIFICATE demande CPOM_SIGNING_AUTHORITY" in str(refused.value)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    assert refusal(tmp_path / "absent.p12") == (
        f"CPOM_SIGNING_CERTIFICATE ({tmp_path / 'absent.p12'}) : fichier illisible (No such file "
        "or directory)"
    )


def test_a_wrong_password_or_another_format_is_refused(
    authority: SigningAuthority, tmp_path: Path
) -> None:
    p12 = authority.issue(tmp_path / "cd35.p12")
    assert "mot de passe (CPOM_SIGNING_PASSWORD) erroné" in refusal(p12, "pas le bon")
    assert "mot de passe (CPOM_SIGNING_PASSWORD) erroné" in refusal(p12, None)
    pem = tmp_path / "cd35.pem"
    pem.write_text("-----BEGIN CERTIFICATE-----\n")
    assert "ou fichier d'un autre format" in refusal(pem)


def test_a_certificate_that_cannot_sign_today_is_refused(
    authority: SigningAuthority, tmp_path: Path
) -> None:
    expired = authority.issue(tmp_path / "expire.p12", days=-1)
    assert "le certificat de Mme Claire Martin a expiré le " in refusal(expired)
    encipher_only = authority.issue(tmp_path / "chiffrement.p12", can_sign=False)
    assert "ne permet pas de signer" in refusal(encipher_only)
