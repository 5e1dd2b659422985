"""Record the histories of real runs, for the replay test that guards running contracts.

    .venv/bin/python -m tests.workflows.record_histories

Run it again, with a new VERSION, only to add histories of a new workflow version; keep the old
files: they are the contracts already running in production.
"""

import asyncio
import json
import os
import sys
import tomllib
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from temporalio.client import Client, WorkflowHandle

from cpom.domain.lifecycle import DenonciationMode, Party
from cpom.domain.terms import ActionDeadline, Sector
from cpom.domain.terms_input import terms_from_mapping
from cpom.messages import (
    AnswerAuthorisation,
    AnswerProrogation,
    ApproveReleve,
    DecideRenegotiation,
    Denounce,
    RecordDialogue,
    RecordTarification,
    ReportObjectives,
    RequestAuthorisation,
    RequestProrogation,
    ReviewDocuments,
    Sign,
    SignAvenant,
    SubmitDocuments,
    ValidateCadrage,
    ValidateDiagnostic,
)
from cpom.simulation import LifeSimulator
from tests.factories import SAD_ITEMS
from tests.faults.mail_servers import MailServer
from tests.workflows.helpers import agree_mutual_denonciation, contract

HERE = Path(__file__).parent / "histories"
JOINT = Path(__file__).parents[2] / "examples" / "ars-departement-esms-2025.toml"
# v1: the first release; v2: with the `wake-on-every-decision` patch; v3: the live agenda in
# the projections, the `refresh_projection` signal, `review_documents` and `open_renegotiation`;
# v4: answers named by party, the mutual dénonciation proposed then agreed
# (`mutual-denonciation-agreed`), notices sent beside the loop after the projection; v5: an
# imported contract records its past before any decision of its first task; v6: calendar law 2
# (`calendar-law-2`: préavis counted as CPC art. 641, renegotiation on the last day, budget
# reminders, adopted by a run of a contract begun before), the tarification act, authorisation
# requests whose silence means rejection; v7: several signing authorities (each approves the
# relevé, each answers a prorogation), the objectives' actions reminded on their due dates, the
# yearly report on the objectives (`report_objectives`), an avenant bringing new objectives;
# v8: lean payloads (a notice carries the contract's reference, not its terms; a projection
# carries the terms only when they change) and the workflow's logic passed through the sandbox;
# v9: a new run leaves behind the journal's events already projected (`sequence_offset`);
# v10-v12: the projection as a local activity, a steady timer, the next legal deadline; v13: one
# authority's notice of prorogation answered by the gestionnaire and the other authority
# (`every-signatory-prorogation`), a joint contract signed by all with its objectives' actions.
# v14: one patch marker for every earlier patch (`lean-history`); notices and documents by a
# local activity first, by a scheduled one when that attempt fails (the mail server down) or
# when a decision causes them.
# v17: payloads of 512 bytes or more compressed with zlib, as every client and worker of cpom
# writes them by default (`cpom.payload_compression`).
# v18: a dialogue recorded late takes its place in the order held (`dialogues-in-date-order`),
# recorded for that scenario only. v19: calendar law 3 adopted by a contract begun under law 2
# (`calendar-law-3`), recorded for that scenario only. v20: the moot steps of a pending request
# no longer the next legal deadline (`moot-steps-not-deadlines`), for that scenario only.
# `python -m tests.workflows.record_histories NAME…` records only the scenarios named.
VERSION = "v20"


async def run_histories(client: Client, handle: WorkflowHandle[Any, str]) -> list[tuple[str, str]]:
    """(run id, history JSON) of every run of the workflow, following continue-as-new."""
    run_id = handle.first_execution_run_id or handle.result_run_id
    histories = []
    while run_id:
        history = await client.get_workflow_handle(handle.id, run_id=run_id).fetch_history()
        histories.append((run_id, history.to_json()))
        last = history.events[-1]
        attributes = last.workflow_execution_continued_as_new_event_attributes
        run_id = (
            attributes.new_execution_run_id
            if last.HasField("workflow_execution_continued_as_new_event_attributes")
            else ""
        )
    return histories


async def tacit_prorogation(life: LifeSimulator) -> WorkflowHandle[Any, str]:
    handle = await life.start(contract(), date(2024, 1, 1))
    await life.advance_to(date(2025, 4, 10))
    await life.decide(
        handle,
        "submit_documents",
        SubmitDocuments("g", 2024, ["rapport_activite", "compte_administratif"]),
    )
    await life.advance_to(date(2028, 5, 2))
    await life.decide(
        handle, "request_prorogation", RequestProrogation("g", Party.GESTIONNAIRE, date(2028, 5, 2))
    )
    await handle.result()
    return handle


async def refusal(life: LifeSimulator) -> WorkflowHandle[Any, str]:
    handle = await life.start(contract(), date(2027, 9, 1), imported=True)
    await life.advance_to(date(2028, 5, 2))
    await life.decide(
        handle, "request_prorogation", RequestProrogation("a", Party.AUTORITE, date(2028, 5, 2))
    )
    await life.advance_to(date(2028, 5, 30))
    await life.decide(
        handle, "answer_prorogation", AnswerProrogation("g", False, date(2028, 5, 29))
    )
    await handle.result()
    return handle


async def mail_server_down(life: LifeSimulator) -> WorkflowHandle[Any, str]:
    """The mail server is down when a prorogation is asked: the local attempt fails, the
    scheduled activity delivers the notice once the server is back; the answer's goes at once."""
    handle = await life.start(contract(), date(2027, 9, 1), imported=True)
    await life.advance_to(date(2028, 5, 2))
    life.catcher.stop()
    await life.decide(
        handle, "request_prorogation", RequestProrogation("a", Party.AUTORITE, date(2028, 5, 2))
    )
    server = MailServer(host=life.catcher.host, port=life.catcher.port)
    async with asyncio.timeout(30):
        while not await _scheduled_notice(handle):
            await asyncio.sleep(0.05)  # the local attempt failed: the activity is scheduled
        server.start()
        while len(server.caught) < 2:
            await asyncio.sleep(0.05)
    await life.decide(handle, "answer_prorogation", AnswerProrogation("g", True, date(2028, 5, 2)))
    async with asyncio.timeout(30):
        while len(server.caught) < 4:
            await asyncio.sleep(0.05)
    server.stop()
    await handle.terminate("history recorded")
    return handle


async def _scheduled_notice(handle: WorkflowHandle[Any, str]) -> bool:
    async for event in handle.fetch_history_events():
        if event.HasField("activity_task_scheduled_event_attributes"):
            return True
    return False


async def renegotiation_decided(life: LifeSimulator) -> WorkflowHandle[Any, str]:
    """Imported after its renegotiation day: the authority catches up, then opens it."""
    handle = await life.start(contract(), date(2028, 8, 1), imported=True)
    await life.decide(handle, "submit_documents", SubmitDocuments("g", 2024, list(SAD_ITEMS)))
    await life.decide(handle, "review_documents", ReviewDocuments("a", 2024, "conformes"))
    await handle.signal("refresh_projection")
    await life.advance_to(date(2028, 8, 3))
    await life.decide(handle, "open_renegotiation", DecideRenegotiation("a"))
    await handle.result()
    return handle


async def mutual_denonciation(life: LifeSimulator) -> WorkflowHandle[Any, str]:
    """Proposed by the authority, accepted by the gestionnaire a week later."""
    handle = await life.start(contract(), date(2026, 3, 2), imported=True)
    await agree_mutual_denonciation(life, handle, date(2026, 3, 10), date(2026, 3, 17))
    await handle.result()
    return handle


async def ars_budget(life: LifeSimulator) -> WorkflowHandle[Any, str]:
    """An ESMS begun under law 1, adopting law 2: a late tarification moves the EPRD, the EPRD
    arrives, then a dénonciation for breach returns it to the contradictory procedure."""
    terms = contract(sector=Sector.ESMS_ARS, territory="44")
    handle = await life.start(terms, date(2025, 6, 1), calendar_law=1)
    await life.advance_to(date(2026, 4, 21))
    await life.decide(
        handle, "record_tarification", RecordTarification("a", 2026, date(2026, 4, 20))
    )
    await life.advance_to(date(2026, 5, 12))
    await life.decide(handle, "submit_documents", SubmitDocuments("g", 2026, ["eprd"]))
    await life.advance_to(date(2026, 8, 31))
    await life.decide(
        handle, "denounce", Denounce("a", DenonciationMode.MANQUEMENT, date(2026, 8, 31))
    )
    await handle.result()
    return handle


async def authorisation_silence(life: LifeSimulator) -> WorkflowHandle[Any, str]:
    """Two requests to the State: one answered in time, one rejected by silence."""
    terms = contract(sector=Sector.AHI_ETAT, territory="69")
    handle = await life.start(terms, date(2027, 3, 1), imported=True)
    await life.decide(
        handle,
        "request_authorisation",
        RequestAuthorisation("g", "extension de 10 places", date(2027, 3, 1)),
    )
    await life.decide(
        handle,
        "request_authorisation",
        RequestAuthorisation("g", "places déclarées", date(2027, 3, 1)),
    )
    await life.advance_to(date(2027, 4, 2))
    await life.decide(
        handle,
        "answer_authorisation",
        AnswerAuthorisation("a", "2027-03-01-1", True, date(2027, 4, 2)),
    )
    await life.advance_to(date(2027, 5, 10))
    await handle.terminate("history recorded")
    return handle


async def joint_signatories(life: LifeSimulator) -> WorkflowHandle[Any, str]:
    """An ARS and a Département sign: each approves the relevé; the gestionnaire's request for a
    prorogation is accepted by the ARS, the Département's silence is its accord."""
    terms = terms_from_mapping(tomllib.loads(JOINT.read_text(encoding="utf-8")))
    handle = await life.start(terms, date(2028, 6, 1), imported=True)
    await life.decide(
        handle, "record_dialogue", RecordDialogue("a", date(2028, 6, 1), ["ARS", "CD35"], ["RAS"])
    )
    await life.decide(handle, "approve_releve", ApproveReleve("a", Party.AUTORITE))
    await life.decide(handle, "approve_releve", ApproveReleve("a", Party.AUTORITE, "cd35"))
    await life.decide(handle, "approve_releve", ApproveReleve("g", Party.GESTIONNAIRE))
    await life.advance_to(date(2028, 10, 2))
    await life.decide(
        handle,
        "request_prorogation",
        RequestProrogation("g", Party.GESTIONNAIRE, date(2028, 10, 2)),
    )
    await life.decide(
        handle,
        "answer_prorogation",
        AnswerProrogation("a", True, date(2028, 10, 2), authority="ars"),
    )
    await life.advance_to(date(2028, 12, 10))
    await handle.terminate("history recorded")
    return handle


async def authority_notice_signatories(life: LifeSimulator) -> WorkflowHandle[Any, str]:
    """The ARS gives notice of a prorogation: the gestionnaire agrees, then the Département."""
    terms = terms_from_mapping(tomllib.loads(JOINT.read_text(encoding="utf-8")))
    handle = await life.start(terms, date(2028, 9, 1), imported=True)
    await life.advance_to(date(2028, 10, 2))
    await life.decide(
        handle,
        "request_prorogation",
        RequestProrogation("a", Party.AUTORITE, date(2028, 10, 2), authority="ars"),
    )
    await life.advance_to(date(2028, 10, 10))
    await life.decide(
        handle,
        "answer_prorogation",
        AnswerProrogation("g", True, date(2028, 10, 10), answered_by=Party.GESTIONNAIRE),
    )
    await life.advance_to(date(2028, 10, 20))
    await life.decide(
        handle,
        "answer_prorogation",
        AnswerProrogation("d", True, date(2028, 10, 20), authority="cd35"),
    )
    await life.advance_to(date(2028, 11, 2))
    await handle.terminate("history recorded")
    return handle


async def joint_signature(life: LifeSimulator) -> WorkflowHandle[Any, str]:
    """A joint contract negotiated in cpom, signed by all with the objectives' actions."""
    raw = tomllib.loads(JOINT.read_text(encoding="utf-8"))
    raw.pop("signed_on", None)
    terms = terms_from_mapping({**raw, "signed": False, "effet": date(2026, 1, 1)})
    handle = await life.start(terms, date(2025, 3, 3))
    await life.decide(handle, "validate_cadrage", ValidateCadrage("a"))
    await life.decide(handle, "validate_diagnostic", ValidateDiagnostic("a"))
    await life.advance_to(date(2025, 11, 3))
    await life.decide(
        handle,
        "sign",
        Sign(
            "a",
            date(2025, 11, 3),
            signed_by=["ars", "cd35", "gestionnaire"],
            action_deadlines=[ActionDeadline("1.1", "Astreinte", date(2026, 6, 30))],
        ),
    )
    await life.advance_to(date(2026, 7, 2))
    await handle.terminate("history recorded")
    return handle


async def objectives_actions(life: LifeSimulator) -> WorkflowHandle[Any, str]:
    """Actions reminded on their due dates, one reported done, then an avenant moves the other."""
    terms = replace(
        contract(),
        action_deadlines=(
            ActionDeadline("2.1", "Astreinte de nuit", date(2025, 6, 30)),
            ActionDeadline("5.2", "Outil mobile", date(2025, 9, 30)),
        ),
    )
    handle = await life.start(terms, date(2025, 5, 1))
    await life.advance_to(date(2025, 6, 2))
    await life.decide(
        handle,
        "report_objectives",
        ReportObjectives("g", 2024, "synthese_fiches_objectifs", closed=["2.1"]),
    )
    await life.advance_to(date(2025, 8, 1))
    await life.decide(
        handle,
        "sign_avenant",
        SignAvenant(
            "a",
            date(2025, 8, 1),
            "objectifs revus",
            action_deadlines=[ActionDeadline("5.2", "Outil mobile", date(2026, 3, 31))],
        ),
    )
    await life.advance_to(date(2026, 4, 2))
    await handle.terminate("history recorded")
    return handle


async def dialogue_recorded_late(life: LifeSimulator) -> WorkflowHandle[Any, str]:
    """A dialogue held before the last one, recorded after it, takes its place in the order
    held (`dialogues-in-date-order`): the newer relevé is approved by both parties."""
    handle = await life.start(contract(), date(2025, 6, 20), imported=True)
    await life.decide(
        handle, "record_dialogue", RecordDialogue("a", date(2025, 6, 18), ["CD35"], ["RAS"])
    )
    await life.decide(handle, "approve_releve", ApproveReleve("a", Party.AUTORITE))
    await life.decide(
        handle, "record_dialogue", RecordDialogue("a", date(2024, 6, 20), ["CD35"], ["RAS"])
    )
    await life.decide(handle, "approve_releve", ApproveReleve("g", Party.GESTIONNAIRE))
    await life.advance_to(date(2025, 8, 1))
    await handle.terminate("history recorded")
    return handle


async def eprd_on_a_day_off(life: LifeSimulator) -> WorkflowHandle[Any, str]:
    """An ESMS begun under calendar law 2 adopts law 3 (`calendar-law-3`): the EPRD's 30 days
    from a notification on 5 November 2026 end on Monday 7 December, not Saturday 5."""
    terms = contract(sector=Sector.ESMS_ARS, territory="44")
    handle = await life.start(terms, date(2026, 11, 5), calendar_law=2, imported=True)
    await life.decide(
        handle, "record_tarification", RecordTarification("a", 2026, date(2026, 11, 5))
    )
    await life.advance_to(date(2026, 12, 9))
    await handle.terminate("history recorded")
    return handle


async def request_made_moot(life: LifeSimulator) -> WorkflowHandle[Any, str]:
    """A prorogation request pending when a mutual dénonciation is agreed: its steps are moot,
    and no longer the next legal deadline (`moot-steps-not-deadlines`)."""
    handle = await life.start(contract(), date(2028, 3, 1), imported=True)
    await life.decide(handle, "submit_documents", SubmitDocuments("g", 2027, list(SAD_ITEMS)))
    await life.decide(
        handle,
        "request_prorogation",
        RequestProrogation("g", Party.GESTIONNAIRE, date(2028, 3, 1)),
    )
    await agree_mutual_denonciation(life, handle, date(2028, 3, 2), date(2028, 3, 3))
    await life.advance_to(date(2028, 3, 10))
    await handle.terminate("history recorded")
    return handle


async def main() -> None:
    HERE.mkdir(exist_ok=True)
    scenarios = (
        ("tacit-prorogation", tacit_prorogation),
        ("refusal", refusal),
        ("renegotiation-decided", renegotiation_decided),
        ("mutual-denonciation", mutual_denonciation),
        ("ars-budget", ars_budget),
        ("authorisation-silence", authorisation_silence),
        ("joint-signatories", joint_signatories),
        ("objectives-actions", objectives_actions),
        ("authority-notice-signatories", authority_notice_signatories),
        ("joint-signature", joint_signature),
        ("mail-server-down", mail_server_down),
        ("dialogue-recorded-late", dialogue_recorded_late),
        ("eprd-on-a-day-off", eprd_on_a_day_off),
        ("request-made-moot", request_made_moot),
    )
    wanted = set(sys.argv[1:])
    for name, scenario in scenarios:
        if wanted and name not in wanted:
            continue
        async with LifeSimulator() as life:
            handle = await scenario(life)
            for index, (_, text) in enumerate(
                await run_histories(life.env.client, handle), start=1
            ):
                path = HERE / f"{VERSION}-{name}-run{index}.json"
                path.write_text(json.dumps(json.loads(text), indent=1) + "\n")
                print(path.name, len(json.loads(text)["events"]), "events")


if __name__ == "__main__":
    asyncio.run(main())
    os._exit(0)
