"""Who may call what: every route of the application, for every role (agent, supervisor,
gestionnaire, and nobody signed in), national or scoped to an authority, on the gestionnaire's
own contract (of authority A, the scoped callers') and on another's (of authority B), with the
status each call must get; over the real stack.

The routes are read from the application itself: a route added without its line in `EXPECTED`
fails `test_every_route_has_its_expected_answers`. Both contracts are set up so that every
decision allowed to the caller reaches the workflow and is refused there (409, a date in the
future, a relevé approved already…): the table then shows that the caller got past the access
rules, and the contracts stay as they were for the next call.
"""

from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass
from typing import Any

import pytest
import pytest_asyncio
from fastapi import FastAPI
from starlette.routing import BaseRoute, Mount, Route

from api.csrf import csrf_token
from api.main import create_app
from cpom.access import GESTIONNAIRE_ACTIONS, Role, authenticate, create_token
from cpom.dashboard_sessions import open_session
from cpom.domain.clock import local_date
from cpom.messages import DECISIONS
from cpom.settings import Settings
from tests import sample_files
from tests.api.conftest import Stack, open_stack
from tests.api.test_contracts_api import TERMS

# National agent and supervisor, the same scoped to authority A, a gestionnaire, nobody.
CALLERS = (
    "agent",
    "superviseur",
    "agent-a",
    "superviseur-a",
    "gestionnaire",
    "anonyme",
)
ROLE_OF = {
    "agent": "agent",
    "superviseur": "superviseur",
    "agent-a": "agent",
    "superviseur-a": "superviseur",
    "gestionnaire": "gestionnaire",
    "anonyme": "anonyme",
}
# Who reads only some contracts: its own gestionnaire's, or its own authority's.
NARROW = {"gestionnaire", "agent-a", "superviseur-a"}
# The gestionnaire's own contract, of authority A, and another gestionnaire's, of authority B.
SIDES = ("own", "other")
TOKEN_OF = {
    "agent": "agent",
    "superviseur": "superviseur",
    "agent-a": "agent-a",
    "superviseur-a": "superviseur-a",
    "gestionnaire": "sad",
}
AUTHORITY_A = "departement"  # TERMS' authority, named by its kind
SCOPED = {
    "agent-a": (Role.AGENT, "Anne Leroy", "anne.leroy@ille-et-vilaine.example"),
    "superviseur-a": (Role.SUPERVISOR, "Henri Morel", "henri.morel@ille-et-vilaine.example"),
}
OTHER_TERMS = {
    **TERMS,
    "reference": "CPOM-56-AUTRE",
    "authority": {
        "kind": "departement",
        "id": "cd56",
        "name": "Département du Morbihan",
        "territory": "56",
        "email": "cpom@morbihan.example",
    },
    "gestionnaire": {"raison_sociale": "Autre SAD", "siren": "552100554"},
}
REFERENCES = {"own": TERMS["reference"], "other": OTHER_TERMS["reference"]}
FAR = "2100-01-01"
# A decision of each kind, refused by the workflow whoever may take it (see the module's doc).
DECISION_FIELDS: dict[str, dict[str, Any]] = {
    "validate_cadrage": {},
    "validate_diagnostic": {},
    "sign": {"signed_on": FAR},
    "submit_documents": {"exercise": 1990, "items": ["rapport_activite"]},
    "review_documents": {"exercise": 1990},
    "record_tarification": {"exercise": 1990, "notified_on": FAR},
    "record_dialogue": {"held_on": FAR, "participants": ["ARS"], "decisions": ["Rien"]},
    "approve_releve": {"party": "gestionnaire"},
    "request_prorogation": {"requested_by": "gestionnaire", "received_on": FAR},
    "answer_prorogation": {"accept": True, "received_on": FAR},
    "sign_avenant": {"signed_on": FAR, "summary": "Avenant n° 2"},
    "open_renegotiation": {},
    "denounce": {"mode": "mutuelle", "notified_on": FAR},
    "answer_denonciation": {"accept": True, "received_on": FAR},
    "terminate": {"reason": "liquidation_judiciaire", "on": FAR},
    # The contracts (SAD) provide for no authorisation request, and none awaits an answer.
    "request_authorisation": {"subject": "Extension de 10 places", "received_on": FAR},
    "answer_authorisation": {"request_id": "2028-05-02-1", "accept": True, "received_on": FAR},
}

Expect = Callable[[str, str | None], int]


def everyone(status: int) -> Expect:
    """No token needed."""
    return lambda caller, side: status


def signed(status: int, anonymous: int = 401) -> Expect:
    return lambda caller, side: anonymous if caller == "anonyme" else status


def reads(status: int, anonymous: int = 401) -> Expect:
    """Whoever may read the contract; another gestionnaire's contract does not exist, nor
    another authority's for a caller scoped to authority A."""

    def expect(caller: str, side: str | None) -> int:
        if caller == "anonyme":
            return anonymous
        return 404 if caller in NARROW and side == "other" else status

    return expect


def writes(status: int, anonymous: int = 401) -> Expect:
    """Agents on every contract they read, a gestionnaire on its own; supervisors only read."""

    def expect(caller: str, side: str | None) -> int:
        found = reads(status, anonymous)(caller, side)
        if caller == "anonyme" or (caller in NARROW and side == "other"):
            return found
        return 403 if ROLE_OF[caller] == "superviseur" else found

    return expect


def agents(status: int, others: int = 403, anonymous: int = 401) -> Expect:
    """National and scoped agents alike (a scoped agent's pages show its authority's only)."""
    return lambda caller, side: {"agent": status, "anonyme": anonymous}.get(ROLE_OF[caller], others)


def supervisors(status: int) -> Expect:
    """National supervisors only."""
    return lambda caller, side: {"superviseur": status, "anonyme": 401}.get(caller, 403)


def editors(status: int) -> Expect:
    """Supervisors, national or of the authority concerned (A)."""

    def expect(caller: str, side: str | None) -> int:
        if caller == "anonyme":
            return 401
        return status if ROLE_OF[caller] == "superviseur" else 403

    return expect


def decides(action: str, anonymous: int) -> Expect:
    """Allowed decisions reach the workflow, which refuses them here (409)."""

    def expect(caller: str, side: str | None) -> int:
        allowed = ROLE_OF[caller] == "agent" or (
            caller == "gestionnaire" and action in GESTIONNAIRE_ACTIONS
        )
        return writes(409 if allowed else 403, anonymous)(caller, side)

    return expect


DASHBOARD = 303  # not signed in: to the sign-in page

EXPECTED: dict[tuple[str, str], Expect] = {
    # Documentation, served without a token.
    ("GET", "/openapi.json"): everyone(200),
    ("GET", "/docs"): everyone(200),
    ("GET", "/docs/oauth2-redirect"): everyone(200),
    ("GET", "/redoc"): everyone(200),
    ("MOUNT", "/static-offline-docs"): everyone(200),
    ("GET", "/"): everyone(307),
    ("GET", "/healthz"): everyone(200),
    ("GET", "/readyz"): everyone(200),
    # The API.
    ("POST", "/contracts"): agents(200),  # the reference exists: idempotent, nothing changes
    ("GET", "/contracts"): signed(200),
    ("GET", "/contracts.csv"): signed(200),
    ("GET", "/contracts.xlsx"): signed(200),
    ("GET", "/contracts/{reference}"): reads(200),
    ("POST", "/contracts/{reference}/actions/{action}"): reads(0),  # by action, below
    ("GET", "/contracts/{reference}/notices"): reads(200),
    ("GET", "/contracts/{reference}/documents"): reads(200),
    ("GET", "/contracts/{reference}/documents/{document_id}"): reads(200),
    ("GET", "/contracts/{reference}/calendar.ics"): reads(200),
    # The contracts have no objectives: a report is refused (422) once past the access rules.
    ("GET", "/contracts/{reference}/objectives"): reads(200),
    ("PUT", "/contracts/{reference}/objectives/reports/{exercise}"): writes(422),
    # The review of an exercise the contract does not cover.
    ("GET", "/contracts/{reference}/objectives/review/{year}.{extension}"): reads(422),
    ("POST", "/contracts/{reference}/attachments"): writes(201),
    ("GET", "/contracts/{reference}/attachments/{attachment_id}"): reads(200),
    ("GET", "/tasks"): signed(200),
    ("GET", "/calendar.ics"): signed(200),
    ("GET", "/me"): signed(200),
    ("GET", "/authorities"): signed(200),
    # Authority A's identity: national supervisors, and authority A's.
    ("PUT", "/authorities/{key}"): editors(200),
    ("POST", "/me/calendar-feed"): signed(201),
    ("DELETE", "/me/calendar-feed"): signed(204),
    ("GET", "/feeds/{secret}.ics"): signed(200, anonymous=404),  # the caller's own address
    # The Temporal Web UI's codec, for supervisors.
    ("POST", "/codec/decode"): supervisors(200),
    ("POST", "/codec/encode"): supervisors(200),
    # The dashboard, signed in with a cookie.
    ("MOUNT", "/tableau/static"): everyone(200),  # the dashboard's stylesheet
    ("GET", "/tableau/connexion"): everyone(200),
    ("POST", "/tableau/connexion"): signed(303),
    ("GET", "/tableau/deconnexion"): everyone(303),
    ("GET", "/tableau/"): signed(200, DASHBOARD),
    ("GET", "/tableau/a-traiter"): signed(200, DASHBOARD),
    ("GET", "/tableau/export.{extension}"): signed(200, DASHBOARD),
    ("GET", "/tableau/courrier"): signed(200, DASHBOARD),
    ("GET", "/tableau/calendrier"): signed(200, DASHBOARD),
    ("POST", "/tableau/calendrier/adresse"): signed(200, DASHBOARD),
    ("POST", "/tableau/calendrier/revocation"): signed(200, DASHBOARD),
    ("GET", "/tableau/contrats/{reference}"): reads(200, DASHBOARD),
    ("GET", "/tableau/contrats/{reference}/agenda.ics"): reads(200, DASHBOARD),
    ("POST", "/tableau/contrats/{reference}/decisions/{action}"): reads(0),  # by action, below
    ("GET", "/tableau/contrats/{reference}/documents/{document_id}"): reads(200, DASHBOARD),
    ("POST", "/tableau/contrats/{reference}/objectifs"): writes(422, DASHBOARD),  # no exercise
    ("GET", "/tableau/contrats/{reference}/objectifs/revue-{year}.{extension}"): reads(
        422, DASHBOARD
    ),
    ("POST", "/tableau/contrats/{reference}/pieces"): writes(303, DASHBOARD),
    ("GET", "/tableau/contrats/{reference}/pieces/{attachment_id}"): reads(200, DASHBOARD),
    ("GET", "/tableau/import"): agents(200, anonymous=DASHBOARD),
    ("GET", "/tableau/import/modele.xlsx"): agents(200, anonymous=DASHBOARD),
    ("GET", "/tableau/import/modele.csv"): agents(200, anonymous=DASHBOARD),
    ("POST", "/tableau/import"): agents(422, anonymous=DASHBOARD),  # no file chosen
    ("GET", "/tableau/import/{job_id}"): agents(404, anonymous=DASHBOARD),  # no such import
}
BY_ACTION = {
    "/contracts/{reference}/actions/{action}",
    "/tableau/contrats/{reference}/decisions/{action}",
}


def declared_routes(app: FastAPI) -> set[tuple[str, str]]:
    """(method, path) of every route the application serves; ("MOUNT", path) for mounts."""
    found: set[tuple[str, str]] = set()

    def walk(routes: Iterable[BaseRoute], prefix: str) -> None:
        for route in routes:
            # Newer FastAPI versions keep an included router as one lazy route of its own.
            included = getattr(route, "include_context", None)
            if included is not None:
                walk(included.included_router.routes, prefix + included.prefix)
            elif isinstance(route, Mount):
                found.add(("MOUNT", prefix + route.path))
            elif isinstance(route, Route):
                found.update((m, prefix + route.path) for m in route.methods or () if m != "HEAD")

    walk(app.routes, "")
    return found


def test_every_route_has_its_expected_answers() -> None:
    assert declared_routes(create_app(Settings())) == set(EXPECTED)


def test_every_decision_is_in_the_matrix() -> None:
    assert set(DECISION_FIELDS) == set(DECISIONS)


@dataclass
class World:
    stack: Stack
    documents: dict[str, int]
    attachments: dict[str, int]

    def token(self, caller: str) -> str | None:
        return self.stack.tokens[TOKEN_OF[caller]] if caller in TOKEN_OF else None


@pytest_asyncio.fixture(scope="module")
async def world() -> AsyncIterator[World]:
    """Both contracts in force with a relevé approved by both parties (its document generated),
    an uploaded file, and a prorogation asked by the authority awaiting the answer."""
    async with open_stack() as stack:
        http = stack.http
        for who, (role, name, email) in SCOPED.items():
            stack.tokens[who] = create_token(
                stack.life.engine, role, name, email=email, authority=AUTHORITY_A
            )
        documents, attachments = {}, {}
        for side, terms in (("own", TERMS), ("other", OTHER_TERMS)):
            reference = REFERENCES[side]
            created = await http.post("/contracts", json={"terms": terms, "imported": True})
            assert created.status_code == 201, created.text
            await stack.projected(reference)
            today = local_date(await stack.life.env.get_current_time()).isoformat()
            actions = f"/contracts/{reference}/actions"
            for action, fields in (
                ("record_dialogue", {"held_on": today, "participants": ["A"], "decisions": ["B"]}),
                ("approve_releve", {"party": "autorite"}),
                ("approve_releve", {"party": "gestionnaire"}),  # its letter, recorded
                ("request_prorogation", {"requested_by": "autorite", "received_on": today}),
            ):
                done = await http.post(f"{actions}/{action}", json=fields)
                assert done.status_code == 200, done.text
            detail = await stack.projected(reference, "document_generated")
            [generated] = [e for e in detail["events"] if e["kind"] == "document_generated"]
            documents[side] = int(generated["details"]["document_id"])
            uploaded = await http.post(
                f"/contracts/{reference}/attachments",
                data={"kind": "avis_de_reception"},
                files={"file": ("avis.pdf", sample_files.pdf(), "application/pdf")},
            )
            assert uploaded.status_code == 201, uploaded.text
            attachments[side] = uploaded.json()["id"]
        yield World(stack, documents, attachments)


def form_fields(fields: dict[str, Any]) -> dict[str, str]:
    """A decision as the dashboard's form posts it."""
    posted = {"confirm": "oui"}
    for name, value in fields.items():
        if isinstance(value, bool):
            posted[name] = "true" if value else "false"
        elif isinstance(value, list):
            posted[name] = "\n".join(value)
        else:
            posted[name] = str(value)
    return posted


async def call(
    world: World, method: str, path: str, caller: str, side: str | None, action: str | None
) -> int:
    http, token = world.stack.http, world.token(caller)
    dashboard = path.startswith("/tableau")
    # The dashboard's cookie holds a session's secret, the API's header the token itself.
    session = world.stack.session(TOKEN_OF[caller]) if token else None
    if path == "/tableau/deconnexion" and token:  # signing out ends a session: not the shared one
        principal = authenticate(world.stack.life.engine, token)
        assert principal is not None
        session = open_session(world.stack.life.engine, principal)
    if dashboard:
        headers = {"Authorization": "", "Cookie": f"cpom_jeton={session}" if session else ""}
    else:
        headers = {"Authorization": f"Bearer {token}" if token else ""}
    secret = "inconnu"
    if path == "/feeds/{secret}.ics" and token:
        created = await http.post("/me/calendar-feed", headers=headers)
        secret = created.json()["url"].rsplit("/", 1)[1].removesuffix(".ics")
    url = path.format(
        reference=REFERENCES[side or "own"],
        action=action,
        document_id=world.documents[side or "own"],
        attachment_id=world.attachments[side or "own"],
        secret=secret,
        extension="pdf" if "revue" in path or "review" in path else "csv",
        job_id="inconnu",
        key=AUTHORITY_A,
        exercise="1990",
        year="1990",
    )
    csrf = {"csrf": csrf_token(session)} if session else {}
    body: dict[str, Any] = {}
    if method in ("POST", "PUT"):
        if path == "/contracts":
            body = {"json": {"terms": TERMS, "imported": True}}
        elif path == "/contracts/{reference}/actions/{action}":
            body = {"json": DECISION_FIELDS[action or ""]}
        elif path == "/tableau/contrats/{reference}/decisions/{action}":
            body = {"data": {**csrf, **form_fields(DECISION_FIELDS[action or ""])}}
        elif path == "/authorities/{key}":
            body = {"json": {"service": "Direction de l'autonomie"}}
        elif path.startswith("/codec/"):
            body = {"json": {"payloads": []}}
        elif path == "/contracts/{reference}/objectives/reports/{exercise}":
            body = {"json": {"values": []}}
        elif path.endswith(("/attachments", "/pieces")):
            body = {
                "data": {**csrf, "kind": "avis_de_reception"},
                "files": {"file": ("avis.pdf", sample_files.pdf(), "application/pdf")},
            }
        elif path == "/tableau/connexion":
            body = {"data": {"token": token or "cpom_faux"}}
        elif dashboard:
            body = {"data": csrf}
    response = await http.request(method, url, headers=headers, **body)
    return response.status_code


def sides_of(path: str) -> tuple[str | None, ...]:
    return SIDES if "{reference}" in path else (None,)


async def answers(
    world: World, method: str, path: str, expect: Expect, action: str | None = None
) -> None:
    """Every caller on every side gets the status expected; all differences shown at once."""
    got, expected = {}, {}
    for caller in CALLERS:
        for side in sides_of(path):
            got[caller, side] = await call(world, method, path, caller, side, action)
            expected[caller, side] = expect(caller, side)
    assert got == expected


ROUTES = sorted(key for key in EXPECTED if key[0] != "MOUNT" and key[1] not in BY_ACTION)


@pytest.mark.parametrize(("method", "path"), ROUTES, ids=[f"{m} {p}" for m, p in ROUTES])
async def test_each_route_answers_each_role(world: World, method: str, path: str) -> None:
    await answers(world, method, path, EXPECTED[method, path])


@pytest.mark.parametrize("action", sorted(DECISION_FIELDS))
async def test_each_decision_of_the_api_is_taken_by_those_it_belongs_to(
    world: World, action: str
) -> None:
    path = "/contracts/{reference}/actions/{action}"
    await answers(world, "POST", path, decides(action, anonymous=401), action)


@pytest.mark.parametrize("action", sorted(DECISION_FIELDS))
async def test_each_decision_of_the_dashboard_is_taken_by_those_it_belongs_to(
    world: World, action: str
) -> None:
    path = "/tableau/contrats/{reference}/decisions/{action}"
    await answers(world, "POST", path, decides(action, anonymous=DASHBOARD), action)


async def test_the_contracts_are_as_they_were(world: World) -> None:
    """Every refused decision changed nothing: no new event but the files uploaded."""
    for reference in REFERENCES.values():
        detail = (await world.stack.http.get(f"/contracts/{reference}")).json()
        assert detail["contract"]["phase"] == "prorogation_en_cours"
        kinds = [e["kind"] for e in detail["events"]]
        assert kinds.count("prorogation_requested") == 1
        assert not {"denonciation_proposed", "resiliation", "prorogation_accepted"} & set(kinds)
