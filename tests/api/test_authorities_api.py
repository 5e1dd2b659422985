"""The authorities' identities through the API, as the configuration file gives them or as a
supervisor edited them since; the notices go out with them."""

import asyncio

from sqlmodel import Session, select

from cpom.access import Role, create_token
from cpom.db.models import NoticeRecord
from cpom.domain.clock import local_date
from cpom.identities import load
from cpom.settings import ROOT
from tests.api.conftest import Stack
from tests.api.test_contracts_api import TERMS


async def test_each_authoritys_identity_is_served_to_those_signed_in(stack: Stack) -> None:
    assert (await stack.http.get("/authorities")).json() == []
    stack.app.state.identities = load(ROOT / "examples" / "autorites.toml")
    answer = await stack.http.get("/authorities", headers=stack.as_("sad"))
    assert answer.status_code == 200
    ars, _, departement = answer.json()
    assert departement == {
        "key": "departement",
        "service": "Direction de l'autonomie — Service de l'offre à domicile",
        "address": "1 avenue de la Préfecture\nCS 24218\n35042 Rennes Cedex",
        "city": "Rennes",
        "sender": "Direction de l'autonomie <cpom@ille-et-vilaine.example>",
        "contact": "Mme Claire Martin, chargée de mission CPOM",
        "phone": "02 99 02 35 35",
        "court": "le tribunal administratif de Rennes",
        "signatory": {"name": "M. Jean-Luc Chenut", "title": "Président du conseil départemental"},
        "logo": True,
        "article": "le",
        "hierarchical_superior": "",
    }
    assert (ars["key"], ars["logo"]) == ("ars", False)
    anonymous = await stack.http.get("/authorities", headers={"Authorization": ""})
    assert anonymous.status_code == 401


EDITED = {
    "service": "Direction de l'autonomie et de l'inclusion",
    "city": "Rennes",
    "sender": "Direction de l'autonomie <autonomie@ille-et-vilaine.example>",
    "contact": "M. Yann Le Goff, chargé de mission CPOM",
    "signatory": {"name": "Mme Anne Dubois", "title": "Présidente du conseil départemental"},
}


async def test_a_supervisor_edits_an_authoritys_identity_over_the_file(stack: Stack) -> None:
    stack.app.state.identities = load(ROOT / "examples" / "autorites.toml")
    edited = await stack.http.put(
        "/authorities/departement", json=EDITED, headers=stack.as_("superviseur")
    )
    assert edited.status_code == 200, edited.text
    # The whole entry is replaced, but for the logo, which only the file gives.
    assert edited.json() == {
        "key": "departement",
        "address": "",
        "phone": "",
        "court": "",
        **EDITED,
        "logo": True,
        # Left out: its kind's.
        "article": None,
        "hierarchical_superior": None,
    }
    listed = (await stack.http.get("/authorities")).json()
    assert [a["key"] for a in listed] == ["ars", "cd35", "departement"]
    assert listed[2] == edited.json()
    # An authority the file does not list may be given an identity too.
    added = await stack.http.put(
        "/authorities/cd56", json={"city": "Vannes"}, headers=stack.as_("superviseur")
    )
    assert (added.status_code, added.json()["logo"]) == (200, False)
    assert [a["key"] for a in (await stack.http.get("/authorities")).json()] == [
        "ars",
        "cd35",
        "cd56",
        "departement",
    ]


async def test_an_identity_is_checked_as_the_files_are(stack: Stack) -> None:
    refused = await stack.http.put(
        "/authorities/departement",
        json={"sender": "pas une adresse", "fax": "02", "logo": "x.png", "signatory": "M. X"},
        headers=stack.as_("superviseur"),
    )
    assert refused.status_code == 422
    assert refused.json()["detail"] == [
        "authorities.departement.logo : le logo se donne dans le fichier CPOM_AUTHORITIES_FILE",
        "authorities.departement.fax : champ inconnu ; champs possibles : address, article, "
        "city, contact, court, hierarchical_superior, logo, phone, sender, service, signatory",
        "authorities.departement.sender : « pas une adresse » n'est pas une adresse "
        "d'expédition valide (forme attendue : Service <adresse@domaine.fr>)",
        "authorities.departement.signatory : attendu une table (clé = valeur)",
    ]
    assert (await stack.http.get("/authorities")).json() == []


async def test_only_supervisors_of_the_authority_or_national_ones_edit_it(stack: Stack) -> None:
    scoped = create_token(
        stack.life.engine, Role.SUPERVISOR, "Henri Morel", email="h@cd56.example", authority="cd56"
    )
    other = await stack.http.put(
        "/authorities/departement",
        json=EDITED,
        headers={"Authorization": f"Bearer {scoped}"},
    )
    assert other.status_code == 403
    assert other.json()["detail"] == (
        "un superviseur de l'autorité « cd56 » ne modifie que l'identité de celle-ci"
    )
    own = await stack.http.put(
        "/authorities/cd56", json=EDITED, headers={"Authorization": f"Bearer {scoped}"}
    )
    assert own.status_code == 200
    for who in ("agent", "sad"):
        answer = await stack.http.put("/authorities/cd56", json=EDITED, headers=stack.as_(who))
        assert answer.status_code == 403
    spaced = await stack.http.put(
        "/authorities/cd%2056", json=EDITED, headers=stack.as_("superviseur")
    )
    assert spaced.status_code == 422


async def test_notices_go_out_with_the_identity_as_last_edited(stack: Stack) -> None:
    edited = await stack.http.put(
        "/authorities/departement", json=EDITED, headers=stack.as_("superviseur")
    )
    assert edited.status_code == 200
    await stack.http.post("/contracts", json={"terms": TERMS, "imported": True})
    today = local_date(await stack.life.env.get_current_time())
    requested = await stack.http.post(
        f"/contracts/{TERMS['reference']}/actions/request_prorogation",
        json={"requested_by": "gestionnaire", "received_on": today.isoformat()},
    )
    assert requested.status_code == 200, requested.text
    for _ in range(250):  # polling the outbox, not waiting for time
        with Session(stack.life.engine) as session:
            notices = session.exec(select(NoticeRecord)).all()
        if notices:
            break
        await asyncio.sleep(0.02)
    assert notices
    assert {n.sender for n in notices} == {EDITED["sender"]}
    assert all("M. Yann Le Goff, chargé de mission CPOM" in n.body_text for n in notices)
