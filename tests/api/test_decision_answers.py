"""A decision's answer says where the contract stands right after it (found by probing: a
refused prorogation answered « prorogation_en_cours », a résiliation dated today « execution »,
while the contract's page showed the renegotiation or the end)."""

from cpom.domain.clock import local_date
from tests.api.conftest import Stack
from tests.api.test_contracts_api import TERMS

URL = f"/contracts/{TERMS['reference']}"


async def test_the_answer_gives_the_phase_the_decision_leads_to_at_once(stack: Stack) -> None:
    await stack.imported(TERMS)
    today = local_date(await stack.life.env.get_current_time()).isoformat()
    requested = await stack.http.post(
        f"{URL}/actions/request_prorogation",
        json={"requested_by": "gestionnaire", "received_on": today},
    )
    assert requested.json()["phase"] == "prorogation_en_cours", requested.text
    refused = await stack.http.post(
        f"{URL}/actions/answer_prorogation", json={"accept": False, "received_on": today}
    )
    assert refused.status_code == 200, refused.text
    assert refused.json() == {
        "phase": "renegociation",
        "message": "prorogation refusée : la renégociation s'ouvre",
    }
    await stack.projected(TERMS["reference"], "renegotiation_opened")
    assert (await stack.http.get(URL)).json()["contract"]["phase"] == "renegociation"
    ended = await stack.http.post(
        f"{URL}/actions/terminate", json={"reason": "manquement", "on": today}
    )
    assert ended.status_code == 200, ended.text
    assert ended.json()["phase"] == "resiliee"
