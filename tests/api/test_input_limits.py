"""Input limits over the real stack: bodies counted on the bytes received, every number of every
address bounded, the NUL character refused wherever a request carries text, identifiers checked
with their keys, references refused as typed, searches for the text as typed."""

import asyncio
import json
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from temporalio.client import WorkflowExecutionStatus
from temporalio.service import RPCError

from api.csrf import csrf_token
from api.main import ROUTERS
from cpom import search_attributes as sa
from cpom.domain.terms_validation import MAX_NAME_LENGTH
from tests import sample_files
from tests.api.conftest import Stack
from tests.api.test_contracts_api import TERMS

REFERENCE = TERMS["reference"]
RUNNING = WorkflowExecutionStatus.RUNNING
NUL = "caractère nul (U+0000) interdit"


class Chunks:
    """A body sent in chunks, without Content-Length."""

    def __init__(self, body: bytes, size: int = 16384) -> None:
        self.body = body
        self.size = size
        self.sent = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for start in range(0, len(self.body), self.size):
            self.sent += len(self.body[start : start + self.size])
            yield self.body[start : start + self.size]


async def not_created(stack: Stack, reference: str) -> None:
    """Neither the projection nor Temporal know the contract."""
    assert (await stack.http.get(f"/contracts/{reference}")).status_code in (404, 422)
    with pytest.raises(RPCError):
        await stack.life.env.client.get_workflow_handle(f"cpom-{reference}").describe()


async def test_a_chunked_mebibyte_is_refused_as_it_arrives_and_creates_nothing(
    stack: Stack,
) -> None:
    # Valid terms followed by a mebibyte of JSON whitespace: a parser reading it all would
    # create the contract.
    body = json.dumps({"terms": TERMS, "imported": True}).encode() + b" " * (1024 * 1024)
    chunks = Chunks(body)
    answer = await stack.http.post(
        "/contracts", content=chunks, headers={"Content-Type": "application/json"}
    )
    assert answer.request.headers["transfer-encoding"] == "chunked"
    assert "content-length" not in answer.request.headers
    assert answer.status_code == 413
    assert answer.json() == {"detail": "corps de requête trop volumineux (plus de 256 Kio)"}
    assert chunks.sent < len(body)
    await not_created(stack, REFERENCE)


def _parameters(dependant: Dependant) -> Iterator[tuple[str, str, Any]]:
    """(where, name, type) of every path and query parameter, those of dependencies too."""
    for field in dependant.path_params:
        yield "path", field.alias, field.field_info.annotation
    for field in dependant.query_params:
        yield "query", field.alias, field.field_info.annotation
    for sub in dependant.dependencies:
        yield from _parameters(sub)


# A value each path parameter may take, to reach the parameter under test.
PLACEHOLDERS = {
    "reference": REFERENCE,
    "action": "sign",
    "extension": "csv",
    "job_id": "inconnu",
    "secret": "inconnu",
    "document_id": "1",
    "attachment_id": "1",
}
HUGE = ("99999999999999999999", "2147483648", "-1", "0", "-99999999999999999999")


def _filled(path: str, values: dict[str, str]) -> str:
    return re.sub(r"{(\w+)}", lambda match: values[match[1]], path)


def _probes() -> Iterator[tuple[str, str, str, dict[str, str]]]:
    """(method, route, address, query) trying an impossible number for every integer."""
    for router in ROUTERS:
        for route in router.routes:
            assert isinstance(route, APIRoute)
            parameters = list(_parameters(route.dependant))
            for method in sorted(route.methods or ()):
                for where, name, annotation in parameters:
                    if annotation not in (int, int | None):
                        continue
                    for value in HUGE:
                        values = {**PLACEHOLDERS, name: value} if where == "path" else PLACEHOLDERS
                        path = _filled(route.path, values)
                        query = {name: value} if where == "query" else {}
                        yield method, route.path, path, query


async def test_every_number_of_every_address_is_bounded_never_a_server_error(
    stack: Stack,
) -> None:
    created = await stack.http.post("/contracts", json={"terms": TERMS, "imported": True})
    assert created.status_code == 201, created.text
    await stack.projected(REFERENCE)
    probes = list(_probes())
    # The document, attachment and page numbers of the API and the dashboard.
    assert {route for _, route, _, _ in probes} >= {
        "/contracts/{reference}/documents/{document_id}",
        "/contracts/{reference}/attachments/{attachment_id}",
        "/tableau/contrats/{reference}/pieces/{attachment_id}",
        "/tableau/contrats/{reference}/documents/{document_id}",
        "/contracts",
        "/tasks",
        "/tableau/",
        "/tableau/a-traiter",
    }
    # Signed in both ways: the bearer token for the API, the session's cookie for the dashboard.
    headers = {**stack.as_("agent"), "Cookie": f"cpom_jeton={stack.session('agent')}"}
    for method, route, path, query in probes:
        answer = await stack.http.request(method, path, params=query, headers=headers)
        expected = (404, 422) if not query else (422,)
        assert answer.status_code in expected, (method, route, path, query, answer.text)


async def test_the_nul_character_is_refused_wherever_text_comes_in(stack: Stack) -> None:
    created = await stack.http.post("/contracts", json={"terms": TERMS, "imported": True})
    assert created.status_code == 201, created.text
    await stack.projected(REFERENCE)
    cookie = {"Cookie": f"cpom_jeton={stack.session('agent')}", "Authorization": ""}
    csrf = csrf_token(stack.session("agent"))
    refused = [
        # The address and its query string.
        await stack.http.get("/contracts/CPOM%00X"),
        await stack.http.get("/contracts", params={"q": "SAD\x00"}),
        await stack.http.get("/contracts", params={"gestionnaire": "\x00"}),
        await stack.http.get("/tableau/", params={"authority": "\x00"}, headers=cookie),
        # A JSON body, its keys and values at any depth.
        await stack.http.post(
            "/contracts",
            json={
                "terms": {
                    **TERMS,
                    "reference": "CPOM-NUL",
                    "gestionnaire": {"raison_sociale": "A\x00"},
                }
            },
        ),
        await stack.http.post(
            f"/contracts/{REFERENCE}/actions/record_dialogue",
            json={"participants": ["ARS\x00"], "decisions": ["-"]},
        ),
        # A URL-encoded form: the sign-in page.
        await stack.http.post("/tableau/connexion", data={"token": "cpom_\x00"}),
        # The text fields of a multipart form (the file itself is bytes, and may hold NUL).
        await stack.http.post(
            f"/contracts/{REFERENCE}/attachments",
            files={"file": ("ar.pdf", sample_files.pdf(), "application/pdf")},
            data={"kind": "autre", "description": "AR\x00"},
        ),
        await stack.http.post(
            f"/tableau/contrats/{REFERENCE}/pieces",
            files={"file": ("ar.pdf", sample_files.pdf(), "application/pdf")},
            data={"kind": "autre", "csrf": csrf, "description": "\x00"},
            headers=cookie,
        ),
        # A part's headers: a file name written raw (httpx would percent-encode it).
        await stack.http.post(
            f"/contracts/{REFERENCE}/attachments",
            content=b'--b\r\nContent-Disposition: form-data; name="kind"\r\n\r\nautre\r\n'
            b'--b\r\nContent-Disposition: form-data; name="file"; filename="ar\x00.pdf"\r\n'
            b"Content-Type: application/pdf\r\n\r\n" + sample_files.pdf() + b"\r\n--b--\r\n",
            headers={"Content-Type": "multipart/form-data; boundary=b"},
        ),
    ]
    for answer in refused:
        assert answer.status_code == 422, (answer.request.url, answer.text)
        assert answer.json()["detail"].startswith(NUL), answer.text
    assert (await stack.http.get(f"/contracts/{REFERENCE}/documents")).json() == []
    await not_created(stack, "CPOM-NUL")
    events = (await stack.http.get(f"/contracts/{REFERENCE}")).json()["events"]
    assert not [e for e in events if e["kind"] == "dialogue_recorded"]

    # An escaped backslash followed by « u0000 » is six ordinary characters, and a file's bytes
    # are its own: neither is refused.
    escaped = {**TERMS, "reference": "CPOM-BACKSLASH"}
    escaped["gestionnaire"] = {**TERMS["gestionnaire"], "raison_sociale": "SAD \\u0000"}
    kept = await stack.http.post("/contracts", json={"terms": escaped, "imported": True})
    assert kept.status_code == 201, kept.text
    binary = sample_files.pdf() + b"\x00\x00"
    upload = await stack.http.post(
        f"/contracts/{REFERENCE}/attachments",
        files={"file": ("ar.pdf", binary, "application/pdf")},
        data={"kind": "autre"},
    )
    assert upload.status_code == 201, upload.text


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"reference": " CPOM-1"}, "reference", "«  CPOM-1 » : 1 à 64 caractères"),
        ({"reference": "CPOM-1 "}, "reference", "sans espace"),
        (
            {"gestionnaire": {"raison_sociale": "A", "siren": "000000000"}},
            "gestionnaire.siren",
            "n'est pas un numéro valide",
        ),
        (
            {"gestionnaire": {"raison_sociale": "A", "siret": "00000000000000"}},
            "gestionnaire.siret",
            "n'est pas un numéro valide",
        ),
        (
            {"gestionnaire": {"raison_sociale": "A", "finess": "350000015"}},
            "gestionnaire.finess",
            "n'est pas un numéro FINESS valide",
        ),
        (
            {"gestionnaire": {"raison_sociale": "A", "email": "<a@b.c>"}},
            "gestionnaire.email",
            "n'est pas une adresse électronique valide",
        ),
        ({"effet": "٢٠٢٤-٠١-٠١"}, "effet", "n'est pas une date au format AAAA-MM-JJ"),
        # 2,400 bytes: over Temporal's 2,048 for a search attribute, the workflow was lost.
        (
            {"gestionnaire": {"raison_sociale": "😀" * 600}},
            "gestionnaire.raison_sociale",
            "trop long : 600 caractères, 200 au plus",
        ),
        (
            {"authority": {**TERMS["authority"], "name": "D" * 201}},
            "authority.name",
            "trop long : 201 caractères, 200 au plus",
        ),
    ],
)
async def test_terms_are_refused_as_typed_and_nothing_is_created(
    stack: Stack, changes: dict[str, Any], field: str, message: str
) -> None:
    terms = {**TERMS, "reference": "CPOM-REFUSE", **changes}
    answer = await stack.http.post("/contracts", json={"terms": terms, "imported": True})
    assert answer.status_code == 422, answer.text
    [problem] = [p for p in answer.json()["detail"] if p.startswith(f"{field} :")]
    assert message in problem
    await not_created(stack, terms["reference"].strip())


async def test_the_reference_rule_is_in_the_openapi_schema(stack: Stack) -> None:
    schema = (await stack.http.get("/openapi.json")).json()
    parameters = schema["paths"]["/contracts/{reference}"]["get"]["parameters"]
    [reference] = [p for p in parameters if p["name"] == "reference"]
    assert reference["schema"]["pattern"] == "^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$"
    assert "1 à 64 caractères parmi lettres sans accent" in reference["description"]
    create = schema["components"]["schemas"]["ContractCreate"]["properties"]["terms"]
    assert "1 à 64 caractères" in create["description"]
    wrong = await stack.http.get("/contracts/%20a")
    assert wrong.status_code == 422
    assert wrong.json() == {
        "detail": [
            "path.reference : ne respecte pas la forme attendue ^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$"
        ]
    }


async def test_searches_find_the_text_as_typed_not_like_wildcards(stack: Stack) -> None:
    names = {
        "CPOM-POURCENT": "Soins 100% domicile",
        "CPOM-CENT": "Soins 1000 domicile",
        "CPOM-SOULIGNE": "Aide_A domicile",
        "CPOM-LETTRE": "AideXA domicile",
    }
    for reference, name in names.items():
        terms = {**TERMS, "reference": reference}
        terms["gestionnaire"] = {**TERMS["gestionnaire"], "raison_sociale": name}
        created = await stack.http.post("/contracts", json={"terms": terms, "imported": True})
        assert created.status_code == 201, created.text
        await stack.projected(reference)

    async def found(**query: str) -> list[str]:
        listed = (await stack.http.get("/contracts", params={**query, "sort": "reference"})).json()
        return [item["reference"] for item in listed["items"]]

    assert await found(q="100%") == ["CPOM-POURCENT"]
    assert await found(gestionnaire="100%") == ["CPOM-POURCENT"]
    assert await found(q="Aide_A") == ["CPOM-SOULIGNE"]
    assert await found(gestionnaire="e_A") == ["CPOM-SOULIGNE"]
    assert await found(authority="%") == []
    assert await found(authority="_") == []
    assert await found(q="\\") == []


async def test_the_longest_name_allowed_lives_in_temporal_search_attributes(stack: Stack) -> None:
    """A name of `MAX_NAME_LENGTH` characters of 4 bytes each (800 bytes) is a search attribute
    Temporal takes: the contract's workflow runs on."""
    name = "😀" * MAX_NAME_LENGTH
    terms = {**TERMS, "reference": "CPOM-LONG-NAME"}
    terms["gestionnaire"] = {**TERMS["gestionnaire"], "raison_sociale": name}
    answer = await stack.http.post("/contracts", json={"terms": terms, "imported": True})
    assert answer.status_code == 201, answer.text
    handle = stack.life.env.client.get_workflow_handle("cpom-CPOM-LONG-NAME")
    async with asyncio.timeout(20):  # its first task done: the attributes set, or it failed
        while (described := await handle.describe()).status == RUNNING and (
            described.typed_search_attributes.get(sa.GESTIONNAIRE) is None
        ):
            await asyncio.sleep(0.05)
    assert described.status == RUNNING
    assert described.typed_search_attributes.get(sa.GESTIONNAIRE) == name


async def test_a_contract_without_its_gestionnaire_is_refused(stack: Stack) -> None:
    """Found by probing: it was created, named « (non renseigné) », reminding nobody."""
    terms = {k: v for k, v in TERMS.items() if k != "gestionnaire"}
    terms["reference"] = "CPOM-SANS-GESTIONNAIRE"
    answer = await stack.http.post("/contracts", json={"terms": terms, "imported": True})
    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"] == [
        "gestionnaire : champ obligatoire manquant : l'organisme gestionnaire et sa raison sociale"
    ]
    await not_created(stack, "CPOM-SANS-GESTIONNAIRE")
