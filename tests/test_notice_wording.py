"""Notices say what stands on the day they go, as probing found them: who approves a relevé
(« chacun des signataires » when several authorities sign, not « les deux parties »), and how
many days a reminder sent late still leaves."""

import tomllib
from datetime import date

import pytest

from cpom.domain.agenda import NoticeKind
from cpom.domain.terms_input import terms_from_mapping
from cpom.identities import load
from cpom.rendering import Renderer
from cpom.settings import ROOT
from cpom.template_preview import sample_facts
from tests.workflows.helpers import contract

JOINT = ROOT / "examples" / "ars-departement-esms-2025.toml"
FACTS = {"contract_year": "1", "target": "30/06/2026"}


@pytest.mark.parametrize(
    ("joint", "approvers"), [(False, "les deux parties"), (True, "chacun des signataires")]
)
def test_the_relevés_reminder_names_its_approvers(joint: bool, approvers: str) -> None:
    terms = (
        terms_from_mapping(tomllib.loads(JOINT.read_text(encoding="utf-8")))
        if joint
        else contract()
    )
    renderer = Renderer(ROOT / "templates", load(ROOT / "examples" / "autorites.toml"))
    rendered = renderer.notice(NoticeKind.RELEVE_REMINDER, terms, FACTS, terms.effet)
    assert f"n'a pas été approuvé par {approvers}." in rendered.text


@pytest.mark.parametrize(
    ("sent_on", "said"),
    [
        (date(2025, 3, 31), "(jour compris), soit dans 30 jours."),  # on its day
        (date(2025, 3, 1), "(jour compris), soit dans 30 jours."),  # before: as planned
        (date(2025, 4, 3), "(jour compris), soit dans 27 jours."),
        (date(2025, 4, 29), "(jour compris), soit demain."),
        (date(2025, 4, 30), "(jour compris), soit aujourd'hui."),
        (date(2025, 5, 2), "(jour compris)\\u00a0: ce délai est expiré."),
    ],
)
def test_a_reminder_sent_late_counts_its_days_from_the_day_it_goes(
    sent_on: date, said: str
) -> None:
    """Found by probing: sent late (its worker down, or a contract created in force), a
    reminder said « soit dans 30 jours » of a deadline nearer, or past."""
    terms = contract()
    renderer = Renderer(ROOT / "templates", load(ROOT / "examples" / "autorites.toml"))
    facts = {**sample_facts(terms), "due": "30/04/2025", "days": "30"}
    for kind in (NoticeKind.DOCUMENTS_REMINDER, NoticeKind.BUDGET_FORECAST_REMINDER):
        text = " ".join(renderer.notice(kind, terms, facts, sent_on).text.split())
        assert said.replace("\\u00a0", " ") in text.replace("\\u00a0", " "), text
