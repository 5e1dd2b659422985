"""A second request for a reference: the same request sent again changes nothing (200), another
contract under a reference already taken is refused (409), and nothing changes."""

from sqlmodel import Session, select

from cpom import creation_requests
from cpom.db.models import ContractCreationRecord
from cpom.domain.clock import local_date
from tests.api.conftest import Stack
from tests.api.test_contracts_api import TERMS

OTHER_TERMS = {**TERMS, "gestionnaire": {**TERMS["gestionnaire"], "raison_sociale": "SAD Autre"}}


def digests(stack: Stack) -> list[str]:
    with Session(stack.life.engine) as session:
        return [r.digest for r in session.exec(select(ContractCreationRecord)).all()]


async def test_another_contract_under_a_reference_taken_is_refused_and_nothing_changes(
    stack: Stack,
) -> None:
    await stack.imported(TERMS)
    before = (await stack.http.get(f"/contracts/{TERMS['reference']}")).json()
    other = await stack.http.post("/contracts", json={"terms": OTHER_TERMS, "imported": True})
    assert other.status_code == 409, other.text
    assert other.json()["detail"] == (
        "la référence « CPOM-35-SAD-2024 » est déjà celle d'un contrat créé avec d'autres "
        "termes : rien n'a changé. Choisir une autre référence, ou modifier ce contrat par ses "
        "décisions (avenant)"
    )
    # Declared up to date this time: another request too, though its terms are the same.
    declared = {"terms": TERMS, "imported": True, "declared_up_to_date_on": "2024-12-31"}
    assert (await stack.http.post("/contracts", json=declared)).status_code == 409
    after = (await stack.http.get(f"/contracts/{TERMS['reference']}")).json()
    assert after == before
    assert len(digests(stack)) == 1


async def test_the_same_request_spelled_otherwise_is_the_same_request(stack: Stack) -> None:
    first = await stack.http.post("/contracts", json={"terms": TERMS, "imported": True})
    assert first.status_code == 201, first.text
    # Keys in another order, an optional field given its default: the same contract.
    respelled = dict(reversed(list(TERMS.items())))
    again = await stack.http.post(
        "/contracts",
        json={"declared_up_to_date_on": None, "imported": True, "terms": respelled},
    )
    assert again.status_code == 200, again.text
    assert again.json()["created"] is False


async def test_the_creating_request_sent_again_after_the_signature_is_the_same(
    stack: Stack,
) -> None:
    draft = {**TERMS, "signed": False}
    created = await stack.http.post("/contracts", json={"terms": draft})
    assert created.status_code == 201, created.text
    url = f"/contracts/{TERMS['reference']}"
    for step in ("validate_cadrage", "validate_diagnostic"):
        done = await stack.http.post(f"{url}/actions/{step}", json={})
        assert done.status_code == 200, done.text
    today = local_date(await stack.life.env.get_current_time())
    signed = await stack.http.post(f"{url}/actions/sign", json={"signed_on": today.isoformat()})
    assert signed.status_code == 200, signed.text
    again = await stack.http.post("/contracts", json={"terms": draft})
    assert again.status_code == 200, again.text
    assert again.json()["created"] is False


async def test_a_contract_created_before_digests_were_kept_answers_as_before(
    stack: Stack,
) -> None:
    first = await stack.http.post("/contracts", json={"terms": TERMS, "imported": True})
    assert first.status_code == 201, first.text
    with Session(stack.life.engine) as session:
        for record in session.exec(select(ContractCreationRecord)).all():
            session.delete(record)
        session.commit()
    other = await stack.http.post("/contracts", json={"terms": OTHER_TERMS, "imported": True})
    assert other.status_code == 200, other.text
    assert other.json()["created"] is False
    # Its request is not taken for the one that created the contract.
    assert digests(stack) == []


async def test_a_digest_left_by_a_request_that_never_started_its_contract_gives_way(
    stack: Stack,
) -> None:
    # A first request stored its digest, then Temporal did not answer: the contract was never
    # started, and a corrected request creates it.
    creation_requests.claim(stack.life.engine, TERMS["reference"], "0" * 64)
    created = await stack.http.post("/contracts", json={"terms": OTHER_TERMS, "imported": True})
    assert created.status_code == 201, created.text
    assert digests(stack) != ["0" * 64]
    again = await stack.http.post("/contracts", json={"terms": OTHER_TERMS, "imported": True})
    assert again.status_code == 200, again.text
    first = await stack.http.post("/contracts", json={"terms": TERMS, "imported": True})
    assert first.status_code == 409


async def test_a_contract_in_force_created_as_new_is_refused_before_it_sends_old_reminders(
    stack: Stack,
) -> None:
    """Found by probing: created without « imported », a contract in force since 2024 sent its
    22 past reminders at once, each saying « dans 30 jours » of a day long past."""
    refused = await stack.http.post("/contracts", json={"terms": TERMS})
    assert refused.status_code == 422, refused.text
    [said] = refused.json()["detail"]
    assert said.startswith("imported : ")
    assert "rappels de ce contrat tombent avant aujourd'hui (le premier le " in said
    assert "se crée comme importé (« imported » : true)" in said
    assert (await stack.http.get("/contracts")).json()["total"] == 0
    assert digests(stack) == []
    # Its effect date to come: nothing is late, it is created as new.
    later = {**TERMS, "reference": "CPOM-35-SAD-2031", "effet": "2031-01-01"}
    created = await stack.http.post("/contracts", json={"terms": later})
    assert created.status_code == 201, created.text


async def test_a_contract_signed_in_the_future_is_refused(stack: Stack) -> None:
    """Found by probing: signed on 01/01/2035, a contract of 2024 was created in force."""
    future = {**TERMS, "signed_on": "2035-01-01"}
    refused = await stack.http.post("/contracts", json={"terms": future, "imported": True})
    assert refused.status_code == 422, refused.text
    assert refused.json()["detail"][0].startswith(
        "signed_on : la date de signature ne peut pas être postérieure à aujourd'hui ("
    )
    assert (await stack.http.get("/contracts")).json()["total"] == 0
