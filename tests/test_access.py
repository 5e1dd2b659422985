"""Tokens held by named people: expiry, revocation, tokens from before people were recorded."""

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, text

from cpom import calendar_feeds
from cpom.access import (
    PartyRefused,
    Principal,
    Role,
    TokenError,
    UnknownToken,
    authenticate,
    create_token,
    digest,
    list_tokens,
    paris_today,
    revoke_token,
)
from cpom.db.migrate import alembic_config
from cpom.domain.date_law import anniversary

MARIE = "marie.dupont@ille-et-vilaine.example"


def test_a_token_carries_its_person_and_expires_in_a_year(engine: Engine) -> None:
    token = create_token(engine, Role.SUPERVISOR, "  Marie   Dupont ", email=MARIE)
    principal = authenticate(engine, token)
    assert principal is not None
    today = paris_today()
    assert (principal.name, principal.email, principal.role, principal.siren) == (
        "Marie Dupont",
        MARIE,
        Role.SUPERVISOR,
        None,
    )
    assert principal.expires_on == anniversary(today, 1)
    assert principal.token_id == list_tokens(engine)[0].id
    assert principal.actor == "Marie Dupont (superviseur)"


def test_a_token_works_through_its_last_day_then_stops(engine: Engine) -> None:
    last_day = paris_today() + timedelta(days=30)
    token = create_token(
        engine, Role.GESTIONNAIRE, "Sophie Bernard", "732829320", email=MARIE, expires_on=last_day
    )
    assert authenticate(engine, token, last_day) is not None
    assert authenticate(engine, token, last_day + timedelta(days=1)) is None


def test_a_revoked_token_stops_and_revoking_again_changes_nothing(engine: Engine) -> None:
    token = create_token(engine, Role.AGENT, "Marie Dupont", email=MARIE)
    token_id = list_tokens(engine)[0].id
    assert token_id is not None
    row, revoked_now = revoke_token(engine, token_id)
    assert revoked_now
    assert authenticate(engine, token) is None
    again, revoked_again = revoke_token(engine, token_id)
    assert not revoked_again
    assert again.revoked_at == row.revoked_at
    with pytest.raises(UnknownToken, match="jeton n° 999 inconnu"):
        revoke_token(engine, 999)


@pytest.mark.parametrize(
    ("name", "email", "expires_on", "message"),
    [
        ("", MARIE, None, "nom du titulaire est obligatoire"),
        ("Marie Dupont", "marie.dupont", None, "adresse électronique « marie.dupont » invalide"),
        ("Marie Dupont", "marie@@exemple.fr", None, "invalide"),
        ("Marie Dupont", MARIE, date(2020, 1, 1), "01/01/2020 est déjà passée"),
        ("Marie\x00Dupont", MARIE, None, "caractère nul"),
        ("Marie Dupont", "<marie.dupont@exemple.fr>", None, "invalide"),
    ],
)
def test_bad_token_requests_change_nothing(
    engine: Engine, name: str, email: str, expires_on: date | None, message: str
) -> None:
    with pytest.raises(TokenError, match=message):
        create_token(engine, Role.AGENT, name, email=email, expires_on=expires_on)
    assert list_tokens(engine) == []


@pytest.mark.parametrize("siren", ["000000000", "732829321", "٧٣٢٨٢٩٣٢٠", "73282932"])
def test_a_gestionnaire_token_needs_a_real_siren(engine: Engine, siren: str) -> None:
    with pytest.raises(TokenError, match="SIREN valide"):
        create_token(engine, Role.GESTIONNAIRE, "Sophie Bernard", siren, email=MARIE)
    assert list_tokens(engine) == []


def test_a_calendar_feed_follows_its_token(engine: Engine) -> None:
    last_day = paris_today()
    token = create_token(engine, Role.AGENT, "Marie Dupont", email=MARIE, expires_on=last_day)
    principal = authenticate(engine, token)
    assert principal is not None
    secret = calendar_feeds.rotate(engine, principal)
    assert calendar_feeds.holder(engine, secret, last_day) == principal
    with pytest.raises(calendar_feeds.FeedNotFound):
        calendar_feeds.holder(engine, secret, last_day + timedelta(days=1))
    with pytest.raises(calendar_feeds.FeedNotFound, match="adresse d'abonnement inconnue"):
        calendar_feeds.holder(engine, "pas-un-secret")
    # Only the hash is stored, like the tokens'.
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT secret_hash FROM calendar_feed")).scalars().all()
    assert len(stored) == 1
    assert secret not in stored[0]


def test_tokens_from_before_people_keep_working(engine: Engine) -> None:
    """A row written by the previous schema (no email, no expiry) authenticates after the
    migration, on SQLite and PostgreSQL."""
    migrate(engine, command.downgrade, "df338a0cef53")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO api_token (name, role, gestionnaire_siren, token_hash, created_at) "
                "VALUES ('direction', 'supervisor', NULL, :hash, :created)"
            ),
            {"hash": digest("cpom_ancien"), "created": datetime(2024, 1, 1, tzinfo=UTC)},
        )
    migrate(engine, command.upgrade, "head")
    principal = authenticate(engine, "cpom_ancien", date(2100, 1, 1))
    assert principal is not None
    assert (principal.email, principal.expires_on) == (None, None)
    assert principal.actor == "direction (superviseur)"


def migrate(engine: Engine, step: Callable[[Config, str], None], revision: str) -> None:
    with engine.begin() as connection:
        config = alembic_config(engine.url.render_as_string(hide_password=False))
        config.attributes["connection"] = connection
        step(config, revision)


def scoped_agent(authority: str = "cd35") -> Principal:
    return Principal("Anne Leroy", Role.AGENT, authority=authority)


@pytest.mark.parametrize(
    ("action", "fields", "lead", "expected"),
    [
        # Naming its signing authority: the agent's own, filled in.
        (
            "approve_releve",
            {"party": "autorite"},
            "ars",
            {"party": "autorite", "authority": "cd35"},
        ),
        (
            "request_prorogation",
            {"requested_by": "autorite", "authority": "cd35"},
            "cd35",
            {"requested_by": "autorite", "authority": "cd35"},
        ),
        # An answer left unnamed: the co-signing agent's is its authority's answer.
        ("answer_prorogation", {"accept": True}, "ars", {"accept": True, "authority": "cd35"}),
        # The lead authority's agent leaves it to the workflow (either party).
        ("answer_prorogation", {"accept": True}, "cd35", {"accept": True}),
        ("denounce", {"mode": "mutuelle"}, "cd35", {"mode": "mutuelle"}),
        # The gestionnaire's mail is recorded in its name, whoever leads.
        ("approve_releve", {"party": "gestionnaire"}, "ars", {"party": "gestionnaire"}),
        ("request_authorisation", {"subject": "x"}, "ars", {"subject": "x"}),
        # Decisions naming no party.
        ("record_dialogue", {"held_on": "2025-01-01"}, "ars", {"held_on": "2025-01-01"}),
    ],
)
def test_a_scoped_agent_decides_in_its_authoritys_name(
    action: str, fields: dict[str, object], lead: str, expected: dict[str, object]
) -> None:
    assert scoped_agent().decision_fields(action, fields, lead) == expected


@pytest.mark.parametrize(
    ("action", "fields", "message"),
    [
        (
            "approve_releve",
            {"party": "autorite", "authority": "ars"},
            "un agent de l'autorité « cd35 » ne décide qu'en son nom : « authority » ne peut "
            "être que « cd35 »",
        ),
        (
            "denounce",
            {"mode": "mutuelle", "notified_by": "autorite"},
            "cette décision est prise au nom de l'autorité chef de file « ars » : un agent de "
            "l'autorité « cd35 » ne peut la prendre",
        ),
        ("answer_authorisation", {"accept": True}, "chef de file « ars »"),
    ],
)
def test_a_scoped_agent_cannot_decide_in_another_authoritys_name(
    action: str, fields: dict[str, object], message: str
) -> None:
    with pytest.raises(PartyRefused) as refused:
        scoped_agent().decision_fields(action, fields, "ars")
    assert message in str(refused.value)


def test_a_national_agent_names_any_authority() -> None:
    fields = {"party": "autorite", "authority": "ars"}
    assert (
        Principal("Marie", Role.AGENT).decision_fields("approve_releve", fields, "cd35") == fields
    )


def test_a_scope_is_an_agents_or_a_supervisors(engine: Engine) -> None:
    token = create_token(engine, Role.SUPERVISOR, "Henri", email=MARIE, authority="cd35")
    principal = authenticate(engine, token)
    assert principal is not None
    assert principal.authority_scope == "cd35"
    with pytest.raises(TokenError, match="--authority ne s'emploie qu'avec"):
        create_token(engine, Role.GESTIONNAIRE, "S", "732829320", email=MARIE, authority="cd35")
    # A gestionnaire's principal reads by its SIREN whatever its row says.
    assert Principal("S", Role.GESTIONNAIRE, "732829320", authority="cd35").authority_scope is None
