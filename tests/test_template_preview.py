"""Authorities change wording, not code: a template of their own, in a folder per authority,
replaces the default one for their contracts only; `cpom templates preview` renders every
notice and document kind of a contract into a folder for review."""

from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest

from cpom.cli.input_files import read_document
from cpom.cli.main import main
from cpom.domain.agenda import DocumentKind, NoticeKind
from cpom.domain.calendar import reply_window
from cpom.domain.clock import fr
from cpom.domain.terms import AuthorityKind
from cpom.domain.terms_input import terms_from_mapping
from cpom.rendering import Renderer
from cpom.settings import ROOT, get_settings
from cpom.template_preview import sample_facts
from tests.activities.test_mail import request
from tests.workflows.helpers import contract

EXAMPLE = ROOT / "examples" / "ille-et-vilaine-sad-2024.toml"
OWN_WORDING = (
    "Objet : CPOM {{ terms.reference }} — vos documents {{ facts.exercise }} nous manquent\n"
    "Madame la directrice, Monsieur le directeur,\n\n"
    "Nous n'avons pas reçu les documents de l'exercice {{ facts.exercise }}.\n"
)


def overrides(tmp_path: Path) -> Path:
    folder = tmp_path / "modeles"
    notices = folder / "departement" / "notices"
    notices.mkdir(parents=True)
    (notices / "relance_documents_annuels.txt.j2").write_text(OWN_WORDING, encoding="utf-8")
    return folder


def test_an_authoritys_own_template_words_its_contracts_letters_only(tmp_path: Path) -> None:
    renderer = Renderer(ROOT / "templates", overrides=overrides(tmp_path))
    sent = request()
    own = renderer.notice(sent.kind, contract(), sent.facts, sent.notice_date)
    assert own.subject == "CPOM CPOM-35-SAD-2024 — vos documents 2024 nous manquent"
    assert "Madame la directrice, Monsieur le directeur," in own.text
    # The layout and the other kinds stay the default ones.
    assert "Avis automatique du 01/05/2025" in own.text
    other = renderer.notice(
        NoticeKind.DOCUMENTS_REMINDER,
        contract(),
        {**sent.facts, "days": "30", "due": "30/04/2025"},
        sent.notice_date,
    )
    assert other.subject.startswith("CPOM CPOM-35-SAD-2024 — documents de l'exercice 2024")
    # A contract of another authority keeps the default wording.
    ars = replace(contract(), authority=replace(contract().authority, kind=AuthorityKind.ARS))
    default = renderer.notice(sent.kind, ars, sent.facts, sent.notice_date)
    assert default.subject == (
        "CPOM CPOM-35-SAD-2024 — relance\u00a0: documents de l'exercice 2024 non reçus"
    )


def test_preview_writes_every_kind_for_review(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CPOM_TEMPLATE_OVERRIDES", str(overrides(tmp_path)))
    get_settings.cache_clear()
    output = tmp_path / "apercu"
    try:
        assert main(["templates", "preview", "--terms", str(EXAMPLE), "--output", str(output)]) == 0
    finally:
        get_settings.cache_clear()
    written = sorted(path.name for path in output.iterdir())
    # The two requests a party must answer are worded for each of the three parties.
    assert len(written) == 2 * (len(NoticeKind) + 2 * 2) + 2 * len(DocumentKind)
    assert "avis-demande_de_prorogation_recue-gestionnaire.txt" in written
    assert "document-avenant_de_prorogation.pdf" in written
    pdf = (output / "document-releve_de_decisions.pdf").read_bytes()
    assert pdf.startswith(b"%PDF-")
    own = (output / "avis-relance_documents_annuels.txt").read_text(encoding="utf-8")
    assert own.startswith("CPOM CPOM-35-SAD-2024 — vos documents 2024 nous manquent")
    convocation = (output / "avis-convocation_dialogue_de_gestion.txt").read_text(encoding="utf-8")
    assert "Indicateur 1.1 (Heures d'intervention en binôme)" in convocation
    out, err = capsys.readouterr()
    assert f"{output / 'avis-rappel_documents_annuels.txt'}\tavis « CPOM CPOM-35-SAD-2024" in out
    assert err.endswith(f"… terminé : {len(written)} fichiers\n")


def test_preview_says_in_french_what_it_cannot_do(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocked = tmp_path / "fichier"
    blocked.write_text("", encoding="utf-8")
    assert main(["templates", "preview", "--terms", str(EXAMPLE), "--output", str(blocked)]) == 2
    # Said in French (found by probing: « File exists »).
    assert capsys.readouterr().err.endswith(
        f"impossible d'écrire dans {blocked} : un fichier de ce nom existe déjà\n"
    )
    absent = tmp_path / "absent.toml"
    assert main(["templates", "preview", "--terms", str(absent)]) == 2
    assert "fichier introuvable" in capsys.readouterr().err


def test_the_samples_date_silence_the_day_after_the_reply_window() -> None:
    """Found by probing: the preview said « rejetée depuis le 30/06/2029 » for a window whose
    last day is 30/06/2029."""
    terms = terms_from_mapping(read_document(EXAMPLE))
    facts = sample_facts(terms)
    last_day = date.fromisoformat("-".join(reversed(facts["reply_deadline"].split("/"))))
    assert facts["silence_on"] == facts["accepted_on"] == fr(last_day + timedelta(days=1))
    received = date.fromisoformat("-".join(reversed(facts["received_on"].split("/"))))
    window = reply_window(terms, received, terms.current_echeance).deadline
    assert window is not None
    assert window.day == last_day
