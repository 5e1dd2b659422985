"""A decision's fields are those it knows: a misspelt one is refused, not ignored (found by
probing: `requested_echeance_typo` gave a request for the default échéance)."""

from tests.api.conftest import Stack
from tests.api.test_contracts_api import TERMS

URL = f"/contracts/{TERMS['reference']}"


async def test_a_field_the_decision_does_not_know_is_refused_and_nothing_changes(
    stack: Stack,
) -> None:
    before = await stack.imported(TERMS)
    refused = await stack.http.post(
        f"{URL}/actions/request_prorogation",
        json={
            "requested_by": "gestionnaire",
            "received_on": before["contract"]["effet"],
            "requested_echeance_typo": "2029-06-30",
            "actor": "quelqu'un d'autre",
        },
    )
    assert refused.status_code == 422, refused.text
    possible = "authority, received_on, requested_by, requested_echeance"
    assert refused.json()["detail"] == [
        f"requested_echeance_typo : champ inconnu ; champs possibles : {possible}",
        f"actor : champ inconnu ; champs possibles : {possible}",
    ]
    after = (await stack.http.get(URL)).json()
    assert after["events"] == before["events"]
    # The objectives a signature or a dialogue brings are theirs.
    dialogue = await stack.http.post(
        f"{URL}/actions/record_dialogue",
        json={
            "held_on": "2024-06-30",
            "participants": ["A"],
            "decisions": ["d"],
            "objective_decisions": [],
            "relevé": "x",
        },
    )
    assert dialogue.status_code == 422
    assert dialogue.json()["detail"] == [
        "relevé : champ inconnu ; champs possibles : decisions, held_on, objective_decisions, "
        "participants"
    ]
