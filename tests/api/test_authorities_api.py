"""The authorities' identities through the API, as the configuration file gives them."""

from cpom.identities import load
from cpom.settings import ROOT
from tests.api.conftest import Stack


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
