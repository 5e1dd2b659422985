"""`cpom simulate` lives a contract's substance as the API does: the objectives of the terms
adopted at start, the yearly reports stored (and submitted as the annual document they are), the
dialogue's decisions on each objective stored once the workflow accepted it, and the printout
ends with the review of the last exercise reported. Both examples run end to end on the
time-skipping server, through the command line."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from cpom.cli.main import main
from cpom.db import objectives_store
from cpom.db.models import ObjectiveDecisionRecord
from cpom.db.objectives_store import ObjectiveSet
from cpom.domain.objectives import YearlyReport
from cpom.printing_process import PrintingProcess
from cpom.scenario import Scenario, ScenarioError, scenario_from_mapping
from cpom.settings import ROOT
from cpom.simulation import LifeSimulator, SimulationResult, live
from cpom.time_skipping_server import TimeSkippingServer

EXAMPLES = ROOT / "examples"
SAD = "scenario-ille-et-vilaine-objectifs.json"
JOINT = "scenario-ars-departement-objectifs.json"
NBSP = "\u00a0"


@dataclass
class Lived:
    """What `cpom simulate` printed, and what its database held at the end."""

    log: list[dict[str, Any]]
    review: list[dict[str, Any]]
    reports: list[YearlyReport]
    decisions: list[ObjectiveDecisionRecord]
    history: list[ObjectiveSet]

    def of(self, event: str) -> list[dict[str, Any]]:
        return [entry for entry in self.log if entry["event"] == event]


def lived(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, scenario: Path
) -> Lived:
    """Run `cpom simulate` on the scenario, its simulator's database read before it goes."""
    stored: dict[str, Any] = {}

    async def simulate_and_read(
        scenario: Scenario,
        *,
        on_progress: Callable[[str], None] | None = None,
        printer: PrintingProcess | None = None,
        server: TimeSkippingServer | None = None,
    ) -> SimulationResult:
        # The command's printing process and test server, as `simulate` takes them.
        async with LifeSimulator(printer=printer, server=server) as simulator:
            result = await live(simulator, scenario, on_progress=on_progress)
            reference, engine = scenario.terms.reference, simulator.engine
            stored["reports"] = objectives_store.reports(engine, reference)
            stored["decisions"] = objectives_store.decisions(engine, reference)
            stored["history"] = objectives_store.history(engine, reference)
        return result

    monkeypatch.setattr("cpom.simulation.simulate", simulate_and_read)
    code = main(["simulate", "--quiet", str(scenario)])
    out, err = capsys.readouterr()
    assert code == 0, err
    printed = [json.loads(line) for line in out.splitlines()]
    first_review = next(i for i, e in enumerate(printed) if e["event"] == "objectives_review")
    log, review = printed[:first_review], printed[first_review:]
    assert [e["at"] for e in log] == sorted(e["at"] for e in log)
    # The review closes the printout, dated the log's last day.
    assert {e["event"] for e in review} == {"objectives_review"}
    assert {e["at"] for e in review} == {log[-1]["at"]}
    return Lived(log, review, **stored)


def plain(text: str) -> str:
    return text.replace(NBSP, " ").replace("\u202f", " ")  # no-break spaces, as typed


def releves_after_every_approval(
    life: Lived, signatories: set[tuple[str, str | None]]
) -> list[str]:
    """The day of each relevé generated, checked to come with the last of its approvals, once
    every signatory approved; the log's order within a day is the workflow's."""
    days, approvals = [], dict[tuple[str, str | None], str]()
    for entry in life.log:
        if entry["event"] == "dialogue_recorded":
            approvals = {}
        elif entry["event"] == "releve_approved":
            approvals[(entry["party"], entry.get("authority"))] = entry["at"]
        elif entry["event"] == "document_generated" and entry["document"] == "releve_de_decisions":
            assert set(approvals) == signatories, entry
            assert entry["at"] == max(approvals.values())
            days.append(entry["at"])
    assert len(days) == len(life.of("dialogue_recorded"))
    return days


def labels(entry: dict[str, Any]) -> dict[str, str]:
    return {i["indicator_id"]: i["attainment_label"] for i in entry["indicators"]}


def test_the_ille_et_vilaine_contract_lives_five_years_of_objectives(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    life = lived(capsys, monkeypatch, EXAMPLES / SAD)
    assert life.of("action_refused") == []
    [version] = life.history
    assert (version.version, version.adopted_on, version.basis) == (
        1,
        date(2024, 1, 1),
        "termes du contrat",
    )
    assert [o.id for o in version.objectives] == ["1", "2", "3", "5"]

    # Each exercise reported before 30 April N+1, its report stored and submitted as the
    # synthèse des fiches objectifs, the other documents beside it: no relance while in force.
    # The last exercise's, due the spring after the échéance, is still received then.
    assert [r.exercise for r in life.reports] == [2024, 2025, 2026, 2027, 2028]
    assert {v.indicator_id: v.value for v in life.reports[-1].values} == {
        "1.1": 2610,
        "2.1": 19.4,
        "3.1": 361000,
        "5.1": 12.4,
        "5.2": 56,
    }
    syntheses = [
        (e["at"], e["exercise"])
        for e in life.of("documents_submitted")
        if e["items"] == "synthese_fiches_objectifs"
    ]
    assert syntheses == [(f"{y + 1}-04-14", str(y)) for y in range(2024, 2029)]
    assert [e["exercise"] for e in life.of("objectives_stored")] == list(range(2024, 2029))
    assert [e["exercise"] for e in life.of("objectives_reported")] == [
        str(year) for year in range(2024, 2029)
    ]
    relances = [
        e["at"] for e in life.of("notice_sent") if e["notice"] == "relance_documents_annuels"
    ]
    assert relances == []

    # A dialogue each contract year, a decision on each objective each time.
    decided: dict[int, dict[str, str]] = defaultdict(dict)
    for d in life.decisions:
        decided[d.contract_year][d.objective_id] = d.decision
    assert sorted(decided) == [1, 2, 3, 4, 5]
    assert all(set(of_year) == {"1", "2", "3", "5"} for of_year in decided.values())
    assert [(year, of_year["5"]) for year, of_year in decided.items()] == [
        (1, "maintenu"),
        (2, "maintenu"),
        (3, "ajuste"),
        (4, "maintenu"),
        (5, "ajuste"),
    ]
    adjusted = next(d for d in life.decisions if (d.contract_year, d.objective_id) == (3, "5"))
    assert adjusted.held_on == date(2026, 6, 16)
    assert "formation TMS" in adjusted.reasons

    # Each relevé, once the authority then the gestionnaire approved it.
    days = releves_after_every_approval(life, {("autorite", None), ("gestionnaire", None)})
    assert days == ["2024-06-28", "2025-06-27", "2026-06-26", "2027-06-25", "2028-06-23"]

    head, *objectives = life.review
    assert plain(head["summary"]) == (
        "Revue des objectifs de l'exercice 2028, le dernier déclaré : "
        "3 indicateurs atteints sur 5, 4 actions réalisées sur 5"
    )
    assert [e["objective_id"] for e in objectives] == ["1", "2", "3", "5"]
    assert {k: v for e in objectives for k, v in labels(e).items()} == {
        "1.1": "atteint",
        "2.1": "en progression",
        "3.1": "atteint",
        "5.1": "non atteint",
        "5.2": "atteint",
    }
    absenteeism = objectives[3]["indicators"][0]
    assert (absenteeism["value"], absenteeism["target"]) == (12.4, 8.0)
    assert plain(absenteeism["summary"]) == (
        "Taux d'absentéisme (5.1) : 12,4 % en 2028 ; cible 2028 : 8 % au plus — non atteint"
    )
    assert plain(objectives[1]["summary"]).endswith(
        ": aucun indicateur atteint sur 1 ; 1 action réalisée sur 1"
    )
    assert objectives[3]["actions"][0]["status"] == "en cours"


def test_the_joint_contract_waits_for_every_signatory_and_is_prorogued_by_silence(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    life = lived(capsys, monkeypatch, EXAMPLES / JOINT)
    assert life.of("action_refused") == []
    assert [r.exercise for r in life.reports] == [2025, 2026, 2027, 2028, 2029]
    # The ESMS model's annual documents list the tableau de bord's indicators: each report is
    # submitted as that document, which its reminders wait for (they waited for nothing else).
    reported = [
        e["exercise"]
        for e in life.of("documents_submitted")
        if e["items"] == "indicateurs_tableau_de_bord"
    ]
    assert reported == ["2025", "2026", "2027", "2028", "2029"]
    stored = [e["summary"] for e in life.of("objectives_stored")]
    assert all("(« indicateurs_tableau_de_bord »)" in summary for summary in stored), stored
    errd = [e["exercise"] for e in life.of("documents_submitted") if "errd" in e["items"]]
    assert errd == ["2025", "2026", "2027", "2028", "2029"]

    decided = {(d.contract_year, d.objective_id): d.decision for d in life.decisions}
    assert len(decided) == 6 * 2
    assert decided[(3, "2")] == "ajuste"
    assert {decision for key, decision in decided.items() if key != (3, "2")} == {"maintenu"}

    # The ARS, the Département and the gestionnaire each approve; in 2026 the Département comes
    # last, after the relevé's reminder, and the relevé waits for it.
    days = releves_after_every_approval(
        life, {("autorite", None), ("autorite", "cd35"), ("gestionnaire", None)}
    )
    assert days[1] == "2026-11-11"
    reminders = [
        e["at"] for e in life.of("notice_sent") if e["notice"] == "rappel_releve_de_decisions"
    ]
    assert reminders == ["2026-11-07"]

    # Asked 14 November 2028, within the 12 months' notice before the 31 December 2029; the ARS
    # accepts, the Département says nothing: its silence is accord on the day after the window.
    [requested] = life.of("prorogation_requested")
    assert (requested["at"], requested["reply_deadline"]) == ("2028-11-14", "2029-01-15")
    [by_ars] = life.of("prorogation_accepted_by_signatory")
    assert (by_ars["at"], by_ars["authority"]) == ("2028-12-05", "ars")
    assert "en attente de Département d'Ille-et-Vilaine" in by_ars["summary"]
    [accepted] = life.of("prorogation_accepted")
    assert (accepted["at"], accepted["tacit"], accepted["new_echeance"]) == (
        "2029-01-16",
        "true",
        "2030-12-31",
    )
    assert life.of("prorogation_refused") == []

    head, urgences, equipes = life.review
    assert head["exercise"] == 2029
    assert labels(urgences) == {"1.1": "atteint"}
    assert labels(equipes) == {"2.1": "en progression"}
    # The final targets moved with the échéance: 2029 lies between the 2027 target and 2030's.
    assert round(urgences["indicators"][0]["target"], 2) == 26.67
    assert (
        plain(equipes["summary"])
        == "Objectif 2 — Stabiliser les équipes : aucun indicateur atteint sur 1"
    )


def scenario_with(*actions: dict[str, Any], terms: dict[str, Any] | None = None) -> Scenario:
    raw = json.loads((EXAMPLES / SAD).read_text(encoding="utf-8"))
    return scenario_from_mapping({"terms": terms or raw["terms"], "actions": list(actions)})


REPORT = {"on": "2025-04-20", "action": "report_objectives", "exercise": 2024}
VALUE = [{"indicator_id": "1.1", "value": 1}]


@pytest.mark.parametrize(
    ("action", "message"),
    [
        (
            {**REPORT, "values": [{"indicator_id": "9.9", "value": 1}]},
            "actions[1] (report_objectives du 20/04/2025) : values : indicateur inconnu « 9.9 »",
        ),
        (
            {**REPORT, "actions": [{"action_id": "4.1", "status": "realisee"}]},
            "actions : action inconnue « 4.1 »",
        ),
        (
            {**REPORT, "exercise": 2025, "on": "2024-12-20", "values": VALUE},
            "exercise : l'exercice 2025 n'est pas encore commencé",
        ),
        (
            {**REPORT, "on": "2025-04-20"},
            "values : le bilan ne renseigne aucun indicateur ni action",
        ),
        ({**REPORT, "exercise": "2024"}, "exercise : attendu l'année de l'exercice"),
        ({**REPORT, "valeurs": []}, "valeurs : champ inconnu"),
        # In French (found by probing: « Input should be a valid boolean »).
        (
            {"on": "2025-06-17", "action": "answer_prorogation", "accept": "oui"},
            "actions[1] (answer_prorogation) : accept : true ou false attendu",
        ),
        (
            {**REPORT, "values": [{"indicator_id": "1.1", "value": "beaucoup"}]},
            "values[0].value : « beaucoup » n'est pas un nombre",
        ),
        (
            {
                "on": "2025-06-17",
                "action": "record_dialogue",
                "participants": [],
                "decisions": [],
                "objective_decisions": [{"objective_id": "4", "decision": "maintenu"}],
            },
            "actions[1] (record_dialogue du 17/06/2025) : objective_decisions : objectif "
            "inconnu 4 (1, 2, 3, 5)",
        ),
        (
            {
                "on": "2025-06-17",
                "action": "record_dialogue",
                "participants": [],
                "decisions": [],
                "objective_decisions": [{"objective_id": "5", "decision": "abandonne"}],
            },
            "un objectif ajusté ou abandonné l'est pour des motifs",
        ),
    ],
)
def test_the_substance_of_a_scenario_is_checked_before_it_runs(
    action: dict[str, Any], message: str
) -> None:
    first = {"on": "2025-04-10", "action": "record_tarification", "exercise": 2025}
    with pytest.raises(ScenarioError) as error:
        scenario_with(first, action)
    assert message in str(error.value)


def test_a_report_needs_objectives_and_the_command_says_why_in_french(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    terms = json.loads((EXAMPLES / SAD).read_text(encoding="utf-8"))["terms"]
    without = {k: v for k, v in terms.items() if k != "objectives"}
    with pytest.raises(ScenarioError, match="aucun objectif n'est inscrit au contrat"):
        scenario_with(REPORT, terms=without)
    path = tmp_path / "scenario.json"
    bad = {**REPORT, "values": [{"indicator_id": "9.9", "value": 1}]}
    path.write_text(json.dumps({"terms": terms, "actions": [bad]}), encoding="utf-8")
    code = main(["simulate", "--quiet", str(path)])
    _, err = capsys.readouterr()
    assert code == 2
    assert "actions[0] (report_objectives du 20/04/2025)" in err
    assert "indicateur inconnu « 9.9 »" in err
    assert "Traceback" not in err


SHORT_REFERENCE = "CPOM-35-COURT"
SHORT = {
    "reference": SHORT_REFERENCE,
    "preset": "esms-ars",
    "effet": "2025-01-01",
    "duration_years": 2,
    "authority": {"kind": "ars", "name": "ARS Bretagne", "territory": "35"},
    "objectives": [
        {
            "id": "1",
            "title": "Stabiliser les équipes",
            "indicators": [{"id": "1.1", "label": "Taux d'absentéisme", "unit": "%"}],
        }
    ],
}


@pytest_asyncio.fixture
async def simulator() -> AsyncIterator[LifeSimulator]:
    async with LifeSimulator() as life:
        yield life


async def test_what_the_contract_refuses_as_it_runs_changes_nothing(
    simulator: LifeSimulator,
) -> None:
    scenario = scenario_from_mapping(
        {
            "terms": SHORT,
            "actions": [
                # Held on a day to come: the workflow refuses the dialogue, no decision stays.
                {
                    "on": "2025-10-01",
                    "action": "record_dialogue",
                    "held_on": "2025-10-15",
                    "participants": ["ARS"],
                    "decisions": ["maintien"],
                    "objective_decisions": [{"objective_id": "1", "decision": "maintenu"}],
                },
                # After the échéance, the last exercise is still reported, the next is not
                # covered: the contract was not prorogued.
                {
                    **REPORT,
                    "on": "2027-04-15",
                    "exercise": 2026,
                    "values": [{"indicator_id": "1.1", "value": 8}],
                },
                {
                    **REPORT,
                    "on": "2027-04-15",
                    "exercise": 2027,
                    "values": [{"indicator_id": "1.1", "value": 9}],
                },
                # Long after its end (found by probing: « erreur inattendue », exit status 1).
                {
                    "on": "2040-01-01",
                    "action": "submit_documents",
                    "exercise": 2026,
                    "items": ["rapport_activite"],
                },
            ],
        }
    )
    result = await live(simulator, scenario)
    refused = [
        (e["at"], e["action"], e["reason"]) for e in result.log if e["event"] == "action_refused"
    ]
    # The workflow's reason as the API gives it, without its type (found by probing).
    assert refused[0] == (
        "2025-10-01",
        "record_dialogue",
        "la date du dialogue (15/10/2025) doit être passée et postérieure à la date d'effet",
    )
    assert refused[1] == (
        "2027-04-15",
        "report_objectives",
        "exercise : l'exercice 2027 n'est pas couvert par le contrat (2025 à 2026)",
    )
    assert refused[2] == (
        "2040-01-01",
        "submit_documents",
        "le contrat a pris fin : il ne prend plus aucune décision",
    )
    assert len(refused) == 3
    assert objectives_store.decisions(simulator.engine, SHORT_REFERENCE) == []
    stored = objectives_store.reports(simulator.engine, SHORT_REFERENCE)
    assert [r.exercise for r in stored] == [2026]
    head, only = result.review
    assert plain(head["summary"]).startswith("Revue des objectifs de l'exercice 2026")
    assert plain(only["indicators"][0]["summary"]) == (
        "Taux d'absentéisme (1.1) : 8 % en 2026 ; cible 2026 : non fixée — non renseigné"
    )
