"""Identities edited through the API are read from the database when a notice or a document is
made: once per authority for the whole of it, not at each place its identity is printed."""

from dataclasses import replace
from typing import Any

from sqlalchemy import Engine, event

from cpom.domain.agenda import NoticeKind
from cpom.identities import load
from cpom.identity_overrides import store, with_overrides
from cpom.rendering import Renderer
from cpom.settings import ROOT
from cpom.template_preview import sample_facts
from tests.workflows.helpers import contract

AUTHORITIES = ROOT / "examples" / "autorites.toml"


def test_a_notice_reads_its_authoritys_edited_identity_once(engine: Engine) -> None:
    terms = contract()
    identities = with_overrides(load(AUTHORITIES), engine)
    key = terms.authority.key
    store(engine, key, replace(identities.authority(key), contact="M. Dupuis, CPOM"), "test")
    renderer = Renderer(ROOT / "templates", identities)
    statements: list[str] = []

    def counted(*args: Any) -> None:
        if "authority_identity" in args[2]:  # the statement
            statements.append(args[2])

    event.listen(engine, "before_cursor_execute", counted)
    try:
        rendered = renderer.notice(
            NoticeKind.PROROGATION_ACCEPTED, terms, sample_facts(terms), terms.effet, None
        )
    finally:
        event.remove(engine, "before_cursor_execute", counted)
    assert "M. Dupuis, CPOM" in rendered.text
    assert len(statements) == 1
    # Outside a notice, each reading is fresh: an edit counts from the next one on.
    store(engine, key, replace(identities.authority(key), contact="Mme Roux"), "test")
    assert identities.authority(key).contact == "Mme Roux"


def test_a_span_opened_inside_another_reads_nothing_again(engine: Engine) -> None:
    # The outbox opens one span for every party's message of a notice; each message's
    # rendering opens its own inside it.
    terms = contract()
    identities = with_overrides(load(AUTHORITIES), engine)
    statements: list[str] = []

    def counted(*args: Any) -> None:
        if "authority_identity" in args[2]:  # the statement
            statements.append(args[2])

    event.listen(engine, "before_cursor_execute", counted)
    try:
        with identities.reading():
            identities.authority(terms.authority.key)
            with identities.reading():
                identities.authority(terms.authority.key)
            identities.authority(terms.authority.key)
    finally:
        event.remove(engine, "before_cursor_execute", counted)
    assert len(statements) == 1
