"""Uploaded files over the API and the dashboard, on the real stack: listed with the generated
documents, downloaded byte for byte; refusals in French that keep nothing; body limits that
chunked requests cannot bypass, through the ASGI app and a real uvicorn server."""

import asyncio
import hashlib
import socket
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI

from api.csrf import csrf_token
from api.main import create_app
from cpom.domain.clock import local_date
from tests import sample_files
from tests.api.conftest import Stack
from tests.api.test_contracts_api import TERMS

REFERENCE = "CPOM-35-SAD-2024"
ATTACHMENTS = f"/contracts/{REFERENCE}/attachments"
PIECES = f"/tableau/contrats/{REFERENCE}/pieces"


async def create(stack: Stack) -> None:
    created = await stack.http.post("/contracts", json={"terms": TERMS, "imported": True})
    assert created.status_code == 201, created.text


async def upload(
    http: httpx.AsyncClient,
    filename: str,
    data: bytes,
    *,
    headers: dict[str, str] | None = None,
    declared: str = "application/pdf",
    **fields: str,
) -> httpx.Response:
    return await http.post(
        ATTACHMENTS,
        files={"file": (filename, data, declared)},
        data={"kind": "avis_de_reception", **fields},
        headers=headers,
    )


async def listed(stack: Stack) -> list[dict[str, Any]]:
    response = await stack.http.get(f"/contracts/{REFERENCE}/documents")
    assert response.status_code == 200, response.text
    documents: list[dict[str, Any]] = response.json()
    return documents


def multipart(filename: str, data: bytes, **fields: str) -> tuple[bytes, str]:
    """The bytes and content type of an upload, to send as the test pleases."""
    request = httpx.Request(
        "POST",
        "http://cpom/",
        files={"file": (filename, data, "application/pdf")},
        data={"kind": "autre", **fields},
    )
    return request.read(), request.headers["content-type"]


class Chunks:
    """A request body sent in chunks without Content-Length; counts what the server pulled."""

    def __init__(self, body: bytes, size: int = 8192) -> None:
        self.body = body
        self.size = size
        self.sent = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for start in range(0, len(self.body), self.size):
            chunk = self.body[start : start + self.size]
            self.sent += len(chunk)
            yield chunk


def signed_in(stack: Stack, who: str) -> dict[str, str]:
    return stack.signed_in(who)


def app_with_upload_limit(stack: Stack, max_bytes: int) -> FastAPI:
    settings = stack.life.settings.model_copy(update={"max_upload_bytes": max_bytes})
    return create_app(settings, client=stack.life.env.client, engine=stack.life.engine)


async def test_uploaded_files_are_listed_with_generated_documents_and_downloaded_intact(
    stack: Stack,
) -> None:
    await create(stack)
    today = local_date(await stack.life.env.get_current_time())
    await stack.http.post(
        f"/contracts/{REFERENCE}/actions/request_prorogation",
        json={"requested_by": "gestionnaire", "received_on": today.isoformat()},
    )
    # The two-month window ends in silence: the avenant and the attestation are generated.
    await stack.life.env.sleep(date(2027, 3, 1) - today)
    await stack.life.handle(REFERENCE).query("phase")

    pdf = sample_files.pdf("Accusé de réception")
    sent = await upload(
        stack.http,
        "AR recommandé été.pdf",
        pdf,
        declared="text/html",  # what the client says does not count
        description="AR de la demande de prorogation",
        decision="request_prorogation",
    )
    assert sent.status_code == 201, sent.text
    first = sent.json()
    assert first["content_type"] == "application/pdf"
    assert first["sha256"] == hashlib.sha256(pdf).hexdigest()
    assert first["size"] == len(pdf)
    assert first["uploaded_by"] == "Marie Dupont (agent)"
    assert first["decision"] == "request_prorogation"
    assert first["kind_label"] == "Avis de réception"

    png = sample_files.image("PNG")
    by_owner = await upload(
        stack.http,
        "avenant.png",
        png,
        headers=stack.as_("sad"),
        declared="application/octet-stream",
        kind="avenant_signe",
    )
    assert by_owner.status_code == 201, by_owner.text
    second = by_owner.json()
    assert second["uploaded_by"] == "Sophie Bernard (gestionnaire)"

    documents = await listed(stack)
    assert [d["source"] for d in documents] == ["depose", "depose", "genere", "genere"]
    assert [d["id"] for d in documents[:2]] == [second["id"], first["id"]]
    assert [d["date"] for d in documents] == sorted((d["date"] for d in documents), reverse=True)
    assert {d["kind"] for d in documents[2:]} == {
        "avenant_de_prorogation",
        "attestation_acceptation_tacite",
    }
    assert documents[1]["title"] == "AR recommandé été.pdf"
    assert documents[1]["uploaded_by"] == "Marie Dupont (agent)"
    assert all(d["uploaded_by"] is None for d in documents[2:])

    for entry, data in ((documents[1], pdf), (documents[0], png)):
        download = await stack.http.get(entry["url"], headers=stack.as_("superviseur"))
        assert download.status_code == 200
        assert download.content == data
        assert download.headers["x-checksum-sha256"] == hashlib.sha256(data).hexdigest()
        assert download.headers["x-content-type-options"] == "nosniff"
        assert download.headers["content-type"] == entry["content_type"]
    disposition = (await stack.http.get(documents[1]["url"])).headers["content-disposition"]
    assert disposition == (
        'attachment; filename="AR recommande ete.pdf"; '
        "filename*=UTF-8''AR%20recommand%C3%A9%20%C3%A9t%C3%A9.pdf"
    )
    generated = await stack.http.get(documents[2]["url"])
    assert generated.content.startswith(b"%PDF")
    assert hashlib.sha256(generated.content).hexdigest() == documents[2]["sha256"]
    assert len(generated.content) == documents[2]["size"]


async def test_refused_files_get_a_french_reason_and_nothing_is_kept(stack: Stack) -> None:
    await create(stack)
    disguised = await upload(stack.http, "lettre.pdf", sample_files.HTML)
    assert disguised.status_code == 422
    assert disguised.json()["detail"].startswith(
        "type de fichier refusé : sont acceptés les fichiers PDF, images PNG, JPEG, TIFF ou WebP"
    )
    empty = await upload(stack.http, "vide.pdf", b"")
    assert empty.status_code == 422
    assert empty.json() == {"detail": "le fichier est vide"}
    unknown_kind = await upload(stack.http, "ar.pdf", sample_files.pdf(), kind="facture")
    assert unknown_kind.status_code == 422
    assert "nature de pièce inconnue" in unknown_kind.json()["detail"]
    no_file = await stack.http.post(ATTACHMENTS, data={"kind": "autre"})
    assert no_file.status_code == 422
    assert no_file.json() == {"detail": ["body.file : champ obligatoire manquant"]}
    text = await stack.http.post(ATTACHMENTS, data={"kind": "autre", "file": "AR.pdf"})
    assert text.status_code == 422
    assert text.json() == {"detail": ["body.file : fichier attendu (envoi multipart/form-data)"]}
    garbled = await stack.http.post(
        ATTACHMENTS, content=b"--x", headers={"Content-Type": "multipart/form-data"}
    )
    assert garbled.status_code == 400
    assert garbled.json() == {"detail": "corps de requête illisible (JSON ou formulaire mal formé)"}
    assert await listed(stack) == []


async def test_who_may_upload_and_read(stack: Stack) -> None:
    await create(stack)
    refused = await upload(
        stack.http, "ar.pdf", sample_files.pdf(), headers=stack.as_("superviseur")
    )
    assert refused.status_code == 403
    assert refused.json() == {"detail": "le rôle superviseur ne permet pas de déposer une pièce"}
    stranger = await upload(stack.http, "ar.pdf", sample_files.pdf(), headers=stack.as_("autre"))
    assert stranger.status_code == 404
    assert stranger.json() == {"detail": f"contrat inconnu : « {REFERENCE} »"}
    assert await listed(stack) == []

    kept = (await upload(stack.http, "ar.pdf", sample_files.pdf())).json()
    for path in (f"/contracts/{REFERENCE}/documents", kept["url"]):
        assert (await stack.http.get(path, headers=stack.as_("autre"))).status_code == 404
        assert (await stack.http.get(path, headers=stack.as_("superviseur"))).status_code == 200
        assert (await stack.http.get(path, headers=stack.as_("sad"))).status_code == 200
    assert (await stack.http.get(path, headers={"Authorization": ""})).status_code == 401


async def test_impossible_ids_are_not_found_and_never_fail(stack: Stack) -> None:
    await create(stack)
    for path in (
        f"{ATTACHMENTS}/99999999999999999999999",
        f"{ATTACHMENTS}/-1",
        f"{ATTACHMENTS}/1",
        f"/contracts/{REFERENCE}/documents/99999999999999999999999",
        "/contracts/INCONNU/attachments/1",
        f"{PIECES}/99999999999999999999999",
    ):
        # The bearer token for the API's addresses, the session's cookie for the dashboard's.
        answer = await stack.http.get(
            path, headers={"Cookie": f"cpom_jeton={stack.session('agent')}"}
        )
        assert answer.status_code == 404, (path, answer.text)
    wrong = await stack.http.get(f"{ATTACHMENTS}/abc")
    assert wrong.status_code == 422
    assert wrong.json() == {"detail": ["path.attachment_id : nombre entier attendu"]}


async def test_an_upload_over_the_limit_is_refused_even_sent_chunked(stack: Stack) -> None:
    await create(stack)
    app = app_with_upload_limit(stack, 4096)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://cpom", headers=stack.as_("agent")
    ) as http:
        # Past the file limit but within the multipart allowance: the service refuses it.
        over = await upload(http, "gros.pdf", sample_files.pdf().ljust(5000, b"\n"))
        assert over.status_code == 413
        assert over.json() == {"detail": "fichier trop volumineux : 4 Kio au plus"}

        # Far past it, without Content-Length: the body is cut off as it arrives.
        body, content_type = multipart("gros.pdf", sample_files.pdf().ljust(200_000, b"\n"))
        chunks = Chunks(body)
        chunked = await http.post(
            ATTACHMENTS, content=chunks, headers={"Content-Type": content_type}
        )
        assert "content-length" not in chunked.request.headers
        assert chunked.request.headers["transfer-encoding"] == "chunked"
        assert chunked.status_code == 413
        assert chunked.json() == {"detail": "fichier trop volumineux : 4 Kio au plus"}
        assert chunks.sent < len(body)

        # A lying Content-Length does not help either.
        lying = await http.post(
            ATTACHMENTS,
            content=Chunks(body),
            headers={"Content-Type": content_type, "Content-Length": "100"},
        )
        assert lying.status_code == 413

        # Within the limit, a chunked upload goes through.
        small, content_type = multipart("ar.pdf", sample_files.pdf())
        accepted = await http.post(
            ATTACHMENTS, content=Chunks(small, 100), headers={"Content-Type": content_type}
        )
        assert accepted.status_code == 201, accepted.text
    assert [d["title"] for d in await listed(stack)] == ["ar.pdf"]


async def test_other_routes_keep_their_256_kio_limit_when_sent_chunked(stack: Stack) -> None:
    padding = "x" * (300 * 1024)
    body = f'{{"terms": {{"reference": "CPOM-GROS", "notes": "{padding}"}}}}'.encode()
    chunks = Chunks(body)
    response = await stack.http.post(
        "/contracts", content=chunks, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json() == {"detail": "corps de requête trop volumineux (plus de 256 Kio)"}
    assert chunks.sent < len(body)
    declared = await stack.http.post(
        "/contracts", content=body, headers={"Content-Type": "application/json"}
    )
    assert declared.status_code == 413
    # The upload allowance is for the upload routes only.
    body, content_type = multipart("ar.pdf", sample_files.pdf().ljust(300 * 1024, b"\n"))
    elsewhere = await stack.http.post(
        f"/contracts/{REFERENCE}/actions/sign",
        content=Chunks(body),
        headers={"Content-Type": content_type},
    )
    assert elsewhere.status_code == 413


async def test_a_real_server_refuses_a_chunked_upload_over_the_limit(stack: Stack) -> None:
    await create(stack)
    app = app_with_upload_limit(stack, 4096)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]
    # Connections wait in the listening socket's backlog until the server accepts them.
    server = uvicorn.Server(uvicorn.Config(app, lifespan="off", log_level="warning", ws="none"))
    serving = asyncio.create_task(server.serve(sockets=[listener]))
    try:
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}", headers=stack.as_("agent"), timeout=30
        ) as http:
            body, content_type = multipart("gros.pdf", sample_files.pdf().ljust(100_000, b"\n"))
            refused = await http.post(
                ATTACHMENTS, content=Chunks(body), headers={"Content-Type": content_type}
            )
            assert refused.request.headers["transfer-encoding"] == "chunked"
            assert refused.status_code == 413
            assert refused.json() == {"detail": "fichier trop volumineux : 4 Kio au plus"}
            small, content_type = multipart("ar.pdf", sample_files.pdf())
            accepted = await http.post(
                ATTACHMENTS, content=Chunks(small, 100), headers={"Content-Type": content_type}
            )
            assert accepted.status_code == 201, accepted.text
            padding = "x" * (300 * 1024)
            elsewhere = await http.post(
                "/contracts",
                content=Chunks(f'{{"terms": {{"notes": "{padding}"}}}}'.encode()),
                headers={"Content-Type": "application/json"},
            )
            assert elsewhere.status_code == 413
            assert "256 Kio" in elsewhere.json()["detail"]
    finally:
        server.should_exit = True
        await serving
        listener.close()
    assert [d["title"] for d in await listed(stack)] == ["ar.pdf"]


async def test_dashboard_upload_checks_the_form_token_and_redirects_with_a_code(
    stack: Stack,
) -> None:
    await create(stack)
    page = f"/tableau/contrats/{REFERENCE}"

    async def post(
        data: bytes | None, who: str = "agent", filename: str = "ar.pdf", **fields: str
    ) -> httpx.Response:
        files = {"file": (filename, data, "application/pdf")} if data is not None else None
        return await stack.http.post(
            PIECES,
            files=files,
            data={"kind": "avis_de_reception", **fields},
            headers=signed_in(stack, who),
        )

    forged = await post(sample_files.pdf())
    assert forged.status_code == 403
    assert "formulaire expiré" in forged.json()["detail"]
    wrong = await post(sample_files.pdf(), csrf="0" * 64)
    assert wrong.status_code == 403
    assert await listed(stack) == []

    csrf = csrf_token(stack.session("agent"))
    for data, fields, location in (
        (sample_files.HTML, {}, f"{page}?piece_refusee=type#pieces"),
        (b"", {}, f"{page}?piece_refusee=vide#pieces"),
        # What a browser sends when no file was chosen.
        (b"", {"filename": ""}, f"{page}?piece_refusee=absent#pieces"),
        (None, {}, f"{page}?piece_refusee=absent#pieces"),
        (sample_files.pdf(), {"kind": "facture"}, f"{page}?piece_refusee=nature#pieces"),
        (sample_files.pdf(), {"description": "AR"}, f"{page}?piece=deposee#pieces"),
    ):
        answer = await post(data, csrf=csrf, **fields)
        assert answer.status_code == 303, answer.text
        assert answer.headers["location"] == location
    [kept] = await listed(stack)
    assert kept["uploaded_by"] == "Marie Dupont (agent)"

    supervisor = await post(
        sample_files.pdf(), who="superviseur", csrf=csrf_token(stack.session("superviseur"))
    )
    assert supervisor.status_code == 403
    stranger = await post(sample_files.pdf(), who="autre", csrf=csrf_token(stack.session("autre")))
    assert stranger.status_code == 404
    assert len(await listed(stack)) == 1

    download = await stack.http.get(f"{PIECES}/{kept['id']}", headers=signed_in(stack, "agent"))
    assert download.status_code == 200
    assert hashlib.sha256(download.content).hexdigest() == kept["sha256"]
    anonymous = await stack.http.get(f"{PIECES}/{kept['id']}", headers={"Authorization": ""})
    assert anonymous.status_code == 303
    assert anonymous.headers["location"] == "/tableau/connexion"


async def test_the_dashboard_says_an_upload_is_too_large_in_a_page(stack: Stack) -> None:
    """Found by probing: the dashboard's import answered a too large file with JSON."""
    body, content_type = multipart("gros.csv", b"x" * (6 * 1024 * 1024))
    cookie = stack.signed_in("agent")
    refused = await stack.http.post(
        "/tableau/import", content=body, headers={**cookie, "Content-Type": content_type}
    )
    assert refused.status_code == 413
    assert refused.headers["content-type"].startswith("text/html")
    assert "Envoi trop volumineux" in refused.text
    assert 'href="/tableau/import"' in refused.text
