"""The dashboard's decision forms on a contract several authorities sign: the contract's
signature names its signatories, a prorogation request names the authority that asks, and a
decision of the gestionnaire names no authority whatever the select posted."""

from dataclasses import replace

from api.decision_forms import FORMS, decision_fields, fields_for
from cpom.access import Principal, Role
from cpom.domain.terms import Authority, AuthorityKind, AuthorityRole, Sector
from tests.factories import make_terms

ARS = Authority(AuthorityKind.ARS, "ARS Bretagne", "35", id="ars")
CD35 = Authority(
    AuthorityKind.DEPARTEMENT, "Département", "35", role=AuthorityRole.CO_SIGNING, id="cd35"
)
JOINT = replace(make_terms(sector=Sector.ESMS_ARS), authority=ARS, co_signatories=(CD35,))
AGENT = Principal("agent-ars", Role.AGENT)


def test_the_signature_form_asks_who_signed_on_a_joint_contract_only() -> None:
    form = FORMS["sign"]
    assert [f.name for f in fields_for(AGENT, form, JOINT)] == ["signed_on", "signed_by"]
    assert [f.name for f in fields_for(AGENT, form, make_terms())] == ["signed_on"]
    posted = {"signed_on": ["2024-01-01"], "signed_by": ["ars", "cd35", "gestionnaire"]}
    assert decision_fields(AGENT, form, posted, JOINT) == {
        "signed_on": "2024-01-01",
        "signed_by": ["ars", "cd35", "gestionnaire"],
    }


def test_a_request_names_the_asking_authority_and_never_with_the_gestionnaire() -> None:
    form = FORMS["request_prorogation"]
    posted = {"requested_by": ["autorite"], "authority": ["cd35"], "received_on": ["2027-10-04"]}
    assert decision_fields(AGENT, form, posted, JOINT)["authority"] == "cd35"
    # The select always posts its first authority: it was refused as a gestionnaire's request.
    posted["requested_by"] = ["gestionnaire"]
    assert "authority" not in decision_fields(AGENT, form, posted, JOINT)
    answer = {"answered_by": ["gestionnaire"], "authority": ["ars"], "accept": ["true"]}
    assert "authority" not in decision_fields(
        AGENT, FORMS["answer_prorogation"], {**answer, "received_on": ["2027-10-05"]}, JOINT
    )
