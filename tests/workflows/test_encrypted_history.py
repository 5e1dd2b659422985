"""With CPOM_ENCRYPTION_KEYS set, Temporal's history of a contract lived with real mail holds
none of its names, emails or SIREN, while the same life without keys holds them all; the life
itself (decisions, notices, their refusals) is the same."""

import base64
import json
import os
import tomllib
from datetime import date
from pathlib import Path

import pytest
from pydantic import SecretStr
from temporalio.client import WorkflowUpdateFailedError

from cpom import search_attributes as sa
from cpom.domain.clock import local_instant
from cpom.domain.lifecycle import Party
from cpom.domain.terms_input import terms_from_mapping
from cpom.messages import (
    AnswerAuthorisation,
    AnswerProrogation,
    RequestProrogation,
    workflow_id,
)
from cpom.settings import Settings
from cpom.simulation import LifeSimulator
from tests.workflows.helpers import contract, events, mails_of

EXAMPLE = Path(__file__).parents[2] / "examples" / "ars-departement-esms-2025.toml"
PERSONAL = (
    "Association Âge et Vie en Bretagne (exemple)",
    "direction@age-et-vie.example",
    "782832901",
    "ARS Bretagne",
    "ars-bretagne-cpom@ars.example",
    "Département d'Ille-et-Vilaine",
    "cpom@ille-et-vilaine.example",
    "EHPAD Les Tilleuls (exemple)",
)
KEYS = f"cle-2026:{base64.b64encode(os.urandom(32)).decode()}"


def found_in(raw: bytes) -> list[str]:
    """The personal data of the contract that `raw` holds, as UTF-8 or as escaped JSON."""
    return [
        text for text in PERSONAL if text.encode() in raw or json.dumps(text)[1:-1].encode() in raw
    ]


async def live(settings: Settings) -> tuple[bytes, list[str]]:
    """A prorogation asked, agreed by one authority and refused by the other, which opens the
    renegotiation (the successor's workflow started by an activity), and a decision refused;
    the raw bytes of every event of both histories, and the refusal."""
    terms = terms_from_mapping(tomllib.loads(EXAMPLE.read_text(encoding="utf-8")))
    async with LifeSimulator(settings) as life:
        handle = await life.start(terms, date(2028, 9, 1))
        await life.advance_to(date(2028, 10, 2))
        await life.decide(
            handle,
            "request_prorogation",
            RequestProrogation("agent-ars", Party.GESTIONNAIRE, date(2028, 10, 2)),
        )
        await life.decide(
            handle,
            "answer_prorogation",
            AnswerProrogation("agent-ars", True, date(2028, 10, 2), authority="ars"),
        )
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await life.decide(
                handle,
                "answer_authorisation",
                AnswerAuthorisation("agent-ars", "2028-05-02-1", True, date(2028, 10, 2)),
            )
        await life.advance_to(date(2028, 10, 20))
        await life.decide(
            handle,
            "answer_prorogation",
            AnswerProrogation("agent-cd35", False, date(2028, 10, 19), authority="cd35"),
        )
        await life.advance_to(date(2028, 10, 21))
        [opened] = events(life.log(terms.reference), "renegotiation_opened")
        assert mails_of(life.catcher.caught, "demande_de_prorogation_recue")
        successor = life.env.client.get_workflow_handle(workflow_id(opened["successor"]))
        raw = b""
        for each in (handle, successor):
            history = await each.fetch_history()
            raw += b"".join(event.SerializeToString() for event in history.events)
    return raw, [str(refused.value.cause)]


async def test_an_encrypted_history_holds_no_personal_data() -> None:
    raw, refusal = await live(Settings(encryption_keys=SecretStr(KEYS)))
    assert found_in(raw) == []
    assert b"binary/encrypted" in raw
    # The same life with payloads neither encrypted nor compressed: the search finds them all.
    plain_raw, plain_refusal = await live(Settings(compress_payloads=False))
    assert found_in(plain_raw) == list(PERSONAL)
    assert b"binary/encrypted" not in plain_raw
    # A refusal's message travels encrypted too, and reads the same.
    assert refusal == plain_refusal


async def test_with_encryption_the_search_attributes_name_nobody() -> None:
    """Temporal indexes search attributes in clear: they keep the phase and the dates, and the
    authority's kind instead of its name."""
    settings = Settings(encryption_keys=SecretStr(KEYS))
    async with LifeSimulator(settings, real_server=True) as life:
        handle = await life.start(contract(), date(2025, 1, 1), imported=True)
        await life.advance_to(date(2025, 4, 1))
        attributes = (await handle.describe()).typed_search_attributes
    assert attributes.get(sa.PHASE) == "execution"
    assert attributes.get(sa.AUTHORITY) == "departement"
    assert attributes.get(sa.GESTIONNAIRE) is None
    assert attributes.get(sa.ECHEANCE) == local_instant(date(2028, 12, 31))
