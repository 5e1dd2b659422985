"""The yearly tarification act through the API and the dashboard over the real stack: an ARS
records the notification of a year's resources; a late one moves the EPRD; bad input is
refused in French and changes nothing."""

import html
from datetime import date, timedelta
from typing import Any

from api.csrf import csrf_token
from cpom.domain.clock import local_date
from tests.api.conftest import Stack
from tests.api.test_contracts_api import TERMS

ARS: dict[str, Any] = {
    **TERMS,
    "reference": "CPOM-44-ESMS-2024",
    "preset": "esms-ars",
    "authority": {
        "kind": "ars",
        "name": "ARS Pays de la Loire",
        "territory": "44",
        "email": "cpom@ars-pdl.example",
    },
}
REFERENCE = ARS["reference"]
ACTIONS = f"/contracts/{REFERENCE}/actions"


async def started(stack: Stack) -> date:
    created = await stack.http.post("/contracts", json={"terms": ARS, "imported": True})
    assert created.status_code == 201, created.text
    await stack.projected(REFERENCE)
    return local_date(await stack.life.env.get_current_time())


async def detail(stack: Stack) -> dict[str, Any]:
    found: dict[str, Any] = (await stack.http.get(f"/contracts/{REFERENCE}")).json()
    return found


async def test_a_late_notification_moves_the_eprd_and_bad_input_changes_nothing(
    stack: Stack,
) -> None:
    today = await started(stack)
    year = today.year
    before = await detail(stack)
    later = today + timedelta(days=2)
    refusals = [
        ({"exercise": "deux mille", "notified_on": today.isoformat()}, 422, "exercise"),
        (
            {"exercise": 1990, "notified_on": today.isoformat()},
            409,
            "l'exercice 1990 n'est pas couvert par le contrat (2024 à 2028)",
        ),
        (
            {"exercise": year, "notified_on": later.isoformat()},
            409,
            f"la notification du {later:%d/%m/%Y} est dans le futur",
        ),
        ({"exercise": year, "notified_on": "2025-02-30"}, 422, "notified_on"),
        ({"exercise": year}, 422, "notified_on"),
    ]
    for fields, status, reason in refusals:
        refused = await stack.http.post(f"{ACTIONS}/record_tarification", json=fields)
        assert refused.status_code == status, (fields, refused.text)
        assert reason in str(refused.json()["detail"]), refused.text
    assert (await detail(stack))["events"] == before["events"]
    # The gestionnaire does not record the authority's act.
    own = await stack.http.post(
        f"{ACTIONS}/record_tarification",
        json={"exercise": year, "notified_on": today.isoformat()},
        headers=stack.as_("sad"),
    )
    assert own.status_code == 403
    # Through the dashboard form, as an agent would.
    session = stack.session("agent")
    browser = stack.signed_in("agent")
    page = await stack.http.get(f"/tableau/contrats/{REFERENCE}", headers=browser)
    assert "Enregistrer l&#39;arrêté de tarification d&#39;un exercice" in page.text
    notified_on = today
    posted = await stack.http.post(
        f"/tableau/contrats/{REFERENCE}/decisions/record_tarification",
        data={
            "exercise": str(year + 1),
            "notified_on": notified_on.isoformat(),
            "csrf": csrf_token(session),
        },
        headers=browser,
    )
    assert posted.status_code in (200, 303), posted.text
    found = await stack.projected(REFERENCE, "tarification_recorded")
    [event] = [e for e in found["events"] if e["kind"] == "tarification_recorded"]
    assert f"arrêté de tarification de l'exercice {year + 1} notifié le" in html.unescape(
        event["summary"]
    )
