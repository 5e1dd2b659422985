"""A notice names who approves a relevé as the contract has its signatories: « les deux
parties », or « chacun des signataires » when several authorities sign (found by probing: the
relevé's reminder said « les deux parties » to a contract of three)."""

import tomllib

import pytest

from cpom.domain.agenda import NoticeKind
from cpom.domain.terms_input import terms_from_mapping
from cpom.identities import load
from cpom.rendering import Renderer
from cpom.settings import ROOT
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
