"""A contract's substance through the API over the real stack: its parties, its perimeter and
its objectives come with the terms; the gestionnaire reports each year's values, which count as
the annual document they are; an avenant adopts a new version of the objectives and keeps the
old; a dialogue de gestion records its decision on each objective. Bad input is refused in
French and changes nothing."""

import html
import io
import re
import tomllib
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pypdf

from api.csrf import csrf_token
from cpom.domain.agenda import NoticeKind
from cpom.domain.clock import local_date
from cpom.domain.terms_input import terms_from_mapping
from cpom.rendering import Renderer
from cpom.settings import ROOT
from cpom.substance_context import notice_context
from tests.api.conftest import Stack

EXAMPLE = Path(__file__).parents[2] / "examples" / "ille-et-vilaine-sad-2024.toml"
TERMS: dict[str, Any] = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
# The gestionnaire of the `sad` token.
TERMS["gestionnaire"] = {**TERMS["gestionnaire"], "siren": "732829320"}
TERMS["authority"] = {**TERMS["authority"], "email": "cpom@ille-et-vilaine.example"}
REFERENCE = TERMS["reference"]
URL = f"/contracts/{REFERENCE}"


def jsonable(value: Any) -> Any:
    """The TOML document as JSON carries it: dates as ISO text."""
    if isinstance(value, dict):
        return {key: jsonable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [jsonable(item) for item in value]
    return value.isoformat() if isinstance(value, date) else value


async def started(stack: Stack) -> date:
    created = await stack.http.post("/contracts", json={"terms": jsonable(TERMS), "imported": True})
    assert created.status_code == 201, created.text
    await stack.projected(REFERENCE)
    return local_date(await stack.life.env.get_current_time())


async def test_the_contract_shows_its_parties_perimeter_and_objectives(stack: Stack) -> None:
    await started(stack)
    detail = (await stack.http.get(URL)).json()
    terms = detail["terms"]
    assert [e["finess"] for e in terms["establishments"]] == ["350001251", "350001269"]
    assert terms["gestionnaire"]["finess"] == "350010500"
    objectives = detail["objectives"]
    assert objectives["version"] == 1
    assert [o["id"] for o in objectives["items"]] == ["1", "2", "3", "5"]
    absenteeism = objectives["items"][3]["indicators"][0]
    assert absenteeism["direction"] == "baisse"
    assert absenteeism["trajectory"] == [
        {"year": 2023, "value": 11.5},
        {"year": 2026, "value": 9.5},
        {"year": 2028, "value": 8.0},
    ]
    assert absenteeism["latest"]["attainment_label"] == "non renseigné"
    assert objectives["items"][2]["establishments"] == ["350001269"]


async def test_the_yearly_report_is_stored_and_counts_as_the_annual_document(
    stack: Stack,
) -> None:
    today = await started(stack)
    exercise = today.year - 1
    report = {
        "values": [
            {"indicator_id": "5.1", "value": 9.0},
            {"indicator_id": "1.1", "value": 1500, "comment": "deux binômes recrutés"},
        ],
        "actions": [{"action_id": "5.2", "status": "realisee"}],
    }
    sent = await stack.http.put(
        f"{URL}/objectives/reports/{exercise}", json=report, headers=stack.as_("sad")
    )
    assert sent.status_code == 200, sent.text
    detail = (await stack.http.get(URL)).json()
    items = detail["objectives"]["items"]
    absenteeism = items[3]["indicators"][0]
    assert absenteeism["values"] == [{"year": exercise, "value": 9.0, "comment": ""}]
    # Below its target of the year, in the direction it should move: reached.
    assert absenteeism["latest"]["attainment"] == "atteint"
    assert items[3]["actions"][1]["status_label"] == "réalisée"
    submitted = [e for e in detail["events"] if e["kind"] == "documents_submitted"]
    assert submitted[-1]["details"] == {
        "exercise": str(exercise),
        "items": "synthese_fiches_objectifs",
    }
    # The action reported done is no longer awaited on its due date.
    [action] = [a for a in detail["agenda"] if a["key"] == "action:5.2:2025-12-31"]
    assert action["done_on"] == today.isoformat()
    assert action["outcome"] == "déclarée réalisée"
    assert action["label"] == (
        "Échéance de l'action 5.2 : Équiper les intervenants d'un outil de planification mobile"
    )


async def test_a_bad_report_is_refused_in_french_and_changes_nothing(stack: Stack) -> None:
    today = await started(stack)
    exercise = today.year - 1
    before = (await stack.http.get(f"{URL}/objectives")).json()
    refusals = [
        ({"values": [{"indicator_id": "9.9", "value": 1}]}, "indicateur inconnu « 9.9 »"),
        ({"values": [{"indicator_id": "5.1", "value": "beaucoup"}]}, "n'est pas un nombre"),
        ({"actions": [{"action_id": "5.2", "status": "finie"}]}, "valeurs possibles"),
        ({"valeurs": []}, "champ inconnu"),
    ]
    for body, message in refusals:
        refused = await stack.http.put(
            f"{URL}/objectives/reports/{exercise}", json=body, headers=stack.as_("sad")
        )
        assert refused.status_code == 422, body
        assert message in refused.text, refused.text
    one_value = {"values": [{"indicator_id": "5.1", "value": 1}]}
    future = await stack.http.put(f"{URL}/objectives/reports/{today.year + 1}", json=one_value)
    assert future.status_code == 422
    assert f"l'exercice {today.year + 1} n'est pas encore commencé" in future.text
    # Found by probing: an empty report replaced the exercise's and counted as its document;
    # an indicator given twice was recorded twice.
    empty = await stack.http.put(f"{URL}/objectives/reports/{exercise}", json={})
    assert empty.status_code == 422
    assert "le bilan ne renseigne aucun indicateur ni action" in empty.text
    twice = await stack.http.put(
        f"{URL}/objectives/reports/{exercise}",
        json={"values": [{"indicator_id": "5.1", "value": 1}, {"indicator_id": "5.1", "value": 2}]},
    )
    assert twice.status_code == 422
    assert "l'indicateur « 5.1 » est renseigné deux fois" in twice.text
    other = await stack.http.put(
        f"{URL}/objectives/reports/{exercise}", json={}, headers=stack.as_("autre")
    )
    assert other.status_code == 404
    supervisor = await stack.http.put(
        f"{URL}/objectives/reports/{exercise}", json={}, headers=stack.as_("superviseur")
    )
    assert supervisor.status_code == 403
    assert (await stack.http.get(f"{URL}/objectives")).json() == before


async def test_an_avenant_with_an_empty_object_is_refused_and_changes_nothing(
    stack: Stack,
) -> None:
    """Found by probing: an avenant whose object was blank was signed."""
    today = await started(stack)
    before = (await stack.http.get(f"{URL}/objectives")).json()
    events = (await stack.http.get(URL)).json()["events"]
    refused = await stack.http.post(
        f"{URL}/actions/sign_avenant",
        json={
            "signed_on": today.isoformat(),
            "summary": "   ",
            "objectives": jsonable(TERMS["objectives"])[:1],
        },
    )
    assert refused.status_code in (409, 422), refused.text
    assert "l'objet de l'avenant est vide : dire ce qu'il modifie" in refused.text
    assert (await stack.http.get(f"{URL}/objectives")).json() == before
    assert (await stack.http.get(URL)).json()["events"] == events


async def test_an_avenant_adopts_new_objectives_and_keeps_the_old(stack: Stack) -> None:
    today = await started(stack)
    objectives = jsonable(TERMS["objectives"])[:2]
    objectives[1]["title"] = "Couvrir les soirs, les week-ends et les jours fériés"
    bad = await stack.http.post(
        f"{URL}/actions/sign_avenant",
        json={
            "signed_on": today.isoformat(),
            "summary": "révision des objectifs",
            "objectives": [{"id": "1", "title": "", "establishments": ["999999999"]}],
        },
    )
    assert bad.status_code == 422
    assert "l'intitulé est vide" in bad.text
    assert "n'est pas au périmètre du contrat" in bad.text
    signed = await stack.http.post(
        f"{URL}/actions/sign_avenant",
        json={
            "signed_on": today.isoformat(),
            "summary": "révision des objectifs",
            "objectives": objectives,
        },
        headers={"Idempotency-Key": "avenant-objectifs"},
    )
    assert signed.status_code == 200, signed.text
    again = await stack.http.post(
        f"{URL}/actions/sign_avenant",
        json={
            "signed_on": today.isoformat(),
            "summary": "révision des objectifs",
            "objectives": objectives,
        },
        headers={"Idempotency-Key": "avenant-objectifs"},
    )
    assert again.status_code == 200
    view = (await stack.http.get(f"{URL}/objectives")).json()
    assert [h["version"] for h in view["history"]] == [1, 2]
    assert view["history"][1]["basis"] == (
        f"avenant signé le {today:%d/%m/%Y} : révision des objectifs"
    )
    assert [o["title"] for o in view["current"]["items"]][1] == objectives[1]["title"]
    # The version the avenant replaced is still read as it was adopted.
    first, second = view["history"]
    assert [o["id"] for o in first["objectives"]] == [o["id"] for o in TERMS["objectives"]]
    assert first["objectives"][1]["title"] == TERMS["objectives"][1]["title"]
    assert [o["title"] for o in second["objectives"]] == [o["title"] for o in objectives]


async def test_the_dialogue_records_a_decision_on_each_objective(stack: Stack) -> None:
    today = await started(stack)
    dialogue = {"held_on": today.isoformat(), "participants": ["CD35", "SAD"], "decisions": []}
    refused = await stack.http.post(
        f"{URL}/actions/record_dialogue",
        json={
            **dialogue,
            "objective_decisions": [
                {"objective_id": "3", "decision": "abandonne"},
                {"objective_id": "7", "decision": "maintenu"},
            ],
        },
    )
    assert refused.status_code == 422
    assert "un objectif ajusté ou abandonné l'est pour des motifs" in refused.text
    events = (await stack.http.get(URL)).json()["events"]
    assert not [e for e in events if e["kind"] == "dialogue_recorded"]
    unknown = await stack.http.post(
        f"{URL}/actions/record_dialogue",
        json={**dialogue, "objective_decisions": [{"objective_id": "7", "decision": "maintenu"}]},
    )
    assert unknown.status_code == 422
    assert "objectif inconnu 7" in unknown.text
    recorded = await stack.http.post(
        f"{URL}/actions/record_dialogue",
        json={
            **dialogue,
            "objective_decisions": [
                {"objective_id": "1", "decision": "maintenu"},
                {"objective_id": "3", "decision": "ajuste", "reasons": "cible portée à 350 000 km"},
            ],
        },
    )
    assert recorded.status_code == 200, recorded.text
    decisions = (await stack.http.get(f"{URL}/objectives")).json()["decisions"]
    assert [(d["objective_id"], d["decision_label"]) for d in decisions] == [
        ("1", "maintenu"),
        ("3", "ajusté"),
    ]
    assert decisions[1]["reasons"] == "cible portée à 350 000 km"
    # The relevé, once both parties approved it, records the decision on each objective.
    for party in ("autorite", "gestionnaire"):
        approved = await stack.http.post(f"{URL}/actions/approve_releve", json={"party": party})
        assert approved.status_code == 200, approved.text
    detail = await stack.projected(REFERENCE, "document_generated")
    [generated] = [e for e in detail["events"] if e["kind"] == "document_generated"]
    pdf = await stack.http.get(f"{URL}/documents/{generated['details']['document_id']}")
    text = " ".join(
        " ".join(
            page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf.content)).pages
        ).split()
    )
    assert "Décisions sur les objectifs" in text
    assert (
        "Objectif 3 : Contribuer à la couverture des besoins de l'ensemble du territoire : "
        "objectif ajusté (cible portée à 350 000 km)." in text
    )
    assert "Objectif 1 : Accompagner les personnes" in text
    # Each party's approval, dated by the day it was recorded.
    assert text.count("approuvé le") == 2


async def test_the_convocation_lists_each_objective_with_its_trajectory(stack: Stack) -> None:
    today = await started(stack)
    await stack.http.put(
        f"{URL}/objectives/reports/{today.year - 1}",
        json={"values": [{"indicator_id": "5.1", "value": 10.5}]},
        headers=stack.as_("sad"),
    )
    terms = terms_from_mapping(jsonable(TERMS))
    extra = notice_context(stack.life.engine, NoticeKind.DIALOGUE_CONVOCATION, terms)
    notice = Renderer(ROOT / "templates").notice(
        NoticeKind.DIALOGUE_CONVOCATION,
        terms,
        {"contract_year": "4", "target": "30/06/2027"},
        today,
        extra,
    )
    assert "décidera de le maintenir, de l'ajuster ou de l'abandonner" in notice.text
    assert (
        "Objectif 5\u00a0: Améliorer la qualité de vie au travail des intervenants. Indicateur "
        "5.1 (Taux d'absentéisme)\u00a0: valeur d'entrée 11,5\u00a0% en 2023\u00a0; "
        "cibles\u00a0: 9,5\u00a0% en 2026, 8\u00a0% en 2028\u00a0; dernière valeur "
        f"déclarée\u00a0: 10,5\u00a0% en {today.year - 1}, en progression." in notice.text
    )
    assert "Indicateur 5.2 (Part des intervenants" in notice.text
    assert "aucune valeur déclarée" in notice.text
    assert "<li>" not in notice.text
    assert "Objectif 5\u00a0: Améliorer" in notice.html
    # Other notices need nothing of the objectives.
    assert notice_context(stack.life.engine, NoticeKind.DOCUMENTS_REMINDER, terms) == {}


async def test_the_contract_page_shows_the_perimeter_and_each_indicators_chart(
    stack: Stack,
) -> None:
    today = await started(stack)
    await stack.http.put(
        f"{URL}/objectives/reports/{today.year - 1}",
        json={"values": [{"indicator_id": "5.1", "value": 10.5}]},
        headers=stack.as_("sad"),
    )
    page = await stack.http.get(f"/tableau/contrats/{REFERENCE}", headers=stack.signed_in("agent"))
    assert page.status_code == 200
    text = html.unescape(page.text)
    assert "Parties et périmètre" in text
    assert "<td>350001269</td><td>SAD Pays de Fougères (exemple)</td>" in text
    assert "Objectif 5\u00a0: Améliorer la qualité de vie au travail des intervenants" in text
    assert "Concerne\u00a0: SAD Pays de Fougères (exemple)." in text
    assert "Montant octroyé\u00a0: 42\u202f000\u00a0€." in text
    assert text.count('<figure class="indicator">') == 5
    assert (
        "Indicateur 5.1\u00a0: Taux d'absentéisme. Définition\u00a0: Jours d'absence pour "
        "maladie et "
        "accident du travail rapportés aux jours de travail théoriques, selon le bilan social. "
        f"En {today.year - 1}\u00a0: 10,5 % pour une cible de"
    ) in text
    assert ", en progression." in text


async def test_the_gestionnaire_reports_through_the_page_form_in_french_numbers(
    stack: Stack,
) -> None:
    today = await started(stack)
    exercise = today.year - 1
    browser = stack.signed_in("sad")
    form = f"/tableau/contrats/{REFERENCE}/objectifs"
    page = await stack.http.get(f"/tableau/contrats/{REFERENCE}", headers=browser)
    assert "Déclarer les valeurs des indicateurs" in html.unescape(page.text)
    csrf = csrf_token(stack.session("sad"))
    refused = await stack.http.post(
        form,
        data={
            "exercise": str(exercise),
            "valeur:5.1": "beaucoup",
            "valeur:1.1": "1 500",
            "csrf": csrf,
        },
        headers=browser,
    )
    assert refused.status_code == 422
    text = html.unescape(refused.text)
    assert "Déclaration refusée, rien n'a été changé" in text
    assert "indicateur 5.1\u00a0: «\u00a0beaucoup\u00a0» n'est pas un nombre (ex. 10,5)" in text
    # What was typed comes back beside the refusal.
    assert 'value="beaucoup"' in text
    assert (await stack.http.get(f"{URL}/objectives")).json()["reports"] == []
    posted = await stack.http.post(
        form,
        data={
            "exercise": str(exercise),
            "valeur:5.1": "10,5",
            "valeur:3.1": "312\u202f000",
            "valeur:2.1": "",
            "etat:5.2": "en_cours",
            "etat:5.1": "",
            "csrf": csrf,
        },
        headers=browser,
    )
    assert posted.status_code == 303, posted.text
    [report] = (await stack.http.get(f"{URL}/objectives")).json()["reports"]
    assert report["values"] == [
        {"indicator_id": "5.1", "value": 10.5, "comment": ""},
        {"indicator_id": "3.1", "value": 312000.0, "comment": ""},
    ]
    assert report["actions"] == [{"action_id": "5.2", "status": "en_cours", "comment": ""}]
    # The form then shows the exercise's report, to be corrected.
    shown = html.unescape(
        (await stack.http.get(f"/tableau/contrats/{REFERENCE}", headers=browser)).text
    )
    assert f"le formulaire reprend celle de l'exercice {exercise}" in shown
    assert 'name="valeur:3.1" value="312\u202f000"' in shown
    assert '<option value="en_cours" selected>' in shown
    # The same form sent twice (a double click) is recorded once.
    key = re.search(r'name="idempotency_key" value="([^"]+)"', shown)
    assert key is not None
    for _ in range(2):
        again = await stack.http.post(
            form,
            data={
                "exercise": str(exercise),
                "valeur:5.1": "10,5",
                "valeur:3.1": "312\u202f000",
                "etat:5.2": "en_cours",
                "csrf": csrf,
                "idempotency_key": key.group(1),
            },
            headers=browser,
        )
        assert again.status_code == 303
    detail = (await stack.http.get(URL)).json()
    assert len([e for e in detail["events"] if e["kind"] == "objectives_reported"]) == 2
    # A supervisor sees no form and may not post one.
    supervisor = stack.signed_in("superviseur")
    page = await stack.http.get(f"/tableau/contrats/{REFERENCE}", headers=supervisor)
    assert "Déclarer les valeurs des indicateurs" not in html.unescape(page.text)
    forbidden = await stack.http.post(
        form,
        data={"exercise": str(exercise), "csrf": csrf_token(stack.session("superviseur"))},
        headers=supervisor,
    )
    assert forbidden.status_code == 403


async def test_the_yearly_review_downloads_as_pdf_and_xlsx(stack: Stack) -> None:
    today = await started(stack)
    year = today.year - 1
    await stack.http.put(
        f"{URL}/objectives/reports/{year}",
        json={"values": [{"indicator_id": "5.1", "value": 9.0}]},
        headers=stack.as_("sad"),
    )
    xlsx = await stack.http.get(f"{URL}/objectives/review/{year}.xlsx", headers=stack.as_("sad"))
    assert xlsx.status_code == 200
    assert xlsx.headers["content-disposition"] == (
        f'attachment; filename="{REFERENCE}-revue-objectifs-{year}.xlsx"'
    )
    workbook = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    assert workbook.sheetnames == [
        "Synthèse",
        "SAD Pays de Rennes (exemple)",
        "SAD Pays de Fougères (exemple)",
    ]
    cells = [c.value for row in workbook["Synthèse"].iter_rows() for c in row]
    assert "Taux d'absentéisme" in cells
    assert "atteint" in cells
    # Objective 3 concerns Fougères only.
    rennes = [c.value for row in workbook["SAD Pays de Rennes (exemple)"].iter_rows() for c in row]
    assert not any("couverture des besoins" in str(value) for value in rennes)
    pdf = await stack.http.get(
        f"/tableau/contrats/{REFERENCE}/objectifs/revue-{year}.pdf",
        headers=stack.signed_in("agent"),
    )
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf.content)).pages)
    assert f"Revue annuelle des objectifs — exercice {year}" in text
    outside = await stack.http.get(f"{URL}/objectives/review/2031.pdf")
    assert outside.status_code == 422
    assert "l'exercice 2031 n'est pas couvert par le contrat (2024 à 2028)" in outside.text
    other = await stack.http.get(f"{URL}/objectives/review/{year}.pdf", headers=stack.as_("autre"))
    assert other.status_code == 404
    page = await stack.http.get(f"/tableau/contrats/{REFERENCE}", headers=stack.signed_in("agent"))
    assert f"/objectifs/revue-{year}.xlsx" in page.text


async def test_the_mid_term_bilan_measures_the_indicators_against_that_years_targets(
    stack: Stack,
) -> None:
    await started(stack)
    mid_term = 2026  # year 3 of five: ⌊5/2⌋ + 1, begun on the server's clock
    sent = await stack.http.put(
        f"{URL}/objectives/reports/{mid_term}",
        json={
            "values": [
                {"indicator_id": "5.1", "value": 9.0},
                {"indicator_id": "1.1", "value": 1800},
            ],
            "actions": [{"action_id": "5.2", "status": "realisee"}],
        },
        headers=stack.as_("sad"),
    )
    assert sent.status_code == 200, sent.text
    [bilan, *_] = (await stack.http.get(f"{URL}/objectives")).json()["bilans"]
    assert (bilan["label"], bilan["year"], bilan["reached"], bilan["indicators"]) == (
        "bilan à mi-parcours",
        2026,
        1,
        5,
    )
    fifth = bilan["objectives"][3]
    assert (fifth["reached"], fifth["indicators"], fifth["actions_done"], fifth["actions"]) == (
        1,
        2,
        1,
        2,
    )
    page = await stack.http.get(f"/tableau/contrats/{REFERENCE}", headers=stack.signed_in("agent"))
    assert (
        "Bilan à mi-parcours (2026)</strong>\u00a0: 1 indicateur atteint sur 5 au regard des "
        "cibles "
        "de 2026\u00a0; objectif 1\u00a0: 0 sur 1, 0 action réalisée sur 1"
        in html.unescape(page.text)
    )


async def test_the_dialogue_form_records_a_decision_on_each_objective(stack: Stack) -> None:
    today = await started(stack)
    browser = stack.signed_in("agent")
    page = html.unescape(
        (await stack.http.get(f"/tableau/contrats/{REFERENCE}", headers=browser)).text
    )
    assert "Décision sur chaque objectif" in page
    assert '<select id="record_dialogue-objective_decisions-4" name="objectif:5">' in page
    form = f"/tableau/contrats/{REFERENCE}/decisions/record_dialogue"
    fields = {
        "held_on": today.isoformat(),
        "participants": "CD35\nSAD",
        "decisions": "Dotation maintenue",
        "csrf": csrf_token(stack.session("agent")),
    }
    refused = await stack.http.post(
        form, data={**fields, "objectif:3": "abandonne", "motifs:3": ""}, headers=browser
    )
    assert refused.status_code == 409
    text = html.unescape(refused.text)
    assert "un objectif ajusté ou abandonné l'est pour des motifs" in text
    # What was chosen comes back beside the refusal.
    assert '<option value="abandonne" selected>' in text
    recorded = await stack.http.post(
        form,
        data={
            **fields,
            "objectif:3": "ajuste",
            "motifs:3": "cible portée à 350 000 km",
            "objectif:1": "maintenu",
            "objectif:2": "",
        },
        headers=browser,
    )
    assert recorded.status_code == 303, recorded.text
    decisions = (await stack.http.get(f"{URL}/objectives")).json()["decisions"]
    assert [(d["objective_id"], d["decision"], d["reasons"]) for d in decisions] == [
        ("1", "maintenu", ""),
        ("3", "ajuste", "cible portée à 350 000 km"),
    ]


async def test_the_signature_brings_the_objectives_negotiated(stack: Stack) -> None:
    """A contract created to be negotiated (cadrage) has draft objectives; those signed become
    the next version, kept beside the draft, and their actions are reminded."""
    today = local_date(await stack.life.env.get_current_time())
    draft = {**jsonable(TERMS), "signed": False}
    draft.pop("signed_on", None)
    created = await stack.http.post("/contracts", json={"terms": draft})
    assert created.status_code == 201, created.text
    for step in ("validate_cadrage", "validate_diagnostic"):
        done = await stack.http.post(f"{URL}/actions/{step}", json={})
        assert done.status_code == 200, done.text
    signed = jsonable(TERMS["objectives"])[:1]
    signed[0]["actions"][0]["due"] = "2027-06-30"
    refused = await stack.http.post(
        f"{URL}/actions/sign",
        json={"signed_on": today.isoformat(), "objectives": [{"id": "1", "title": ""}]},
    )
    assert refused.status_code == 422
    assert "l'intitulé est vide" in refused.text
    assert [
        h["version"] for h in (await stack.http.get(f"{URL}/objectives")).json()["history"]
    ] == [1]

    done = await stack.http.post(
        f"{URL}/actions/sign", json={"signed_on": today.isoformat(), "objectives": signed}
    )
    assert done.status_code == 200, done.text
    view = (await stack.http.get(f"{URL}/objectives")).json()
    assert [(h["version"], h["basis"]) for h in view["history"]] == [
        (1, "termes du contrat"),
        (2, f"contrat signé le {today:%d/%m/%Y}"),
    ]
    assert [o["id"] for o in view["current"]["items"]] == ["1"]
    detail = (await stack.http.get(URL)).json()
    assert [d["id"] for d in detail["terms"]["action_deadlines"]] == [signed[0]["actions"][0]["id"]]
    assert detail["terms"]["action_deadlines"][0]["due"] == "2027-06-30"
    [event] = [e for e in detail["events"] if e["kind"] == "signed"]
    assert event["details"]["objectives"] == "signés"
