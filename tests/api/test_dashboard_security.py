"""The dashboard's sessions and the web's protections, over the real stack: a session of its own
in the cookie (HttpOnly, SameSite=Strict, Secure over HTTPS), sign-out and revocation that end it
at once, CSRF tokens bound to the session, security headers on every answer, and sign-in attempts
limited per client address."""

import base64
import hashlib
import re
from datetime import UTC, datetime, timedelta

import httpx
from sqlmodel import Session, select

from api.csrf import csrf_token
from api.main import create_app
from cpom.access import digest, paris_today, revoke_token
from cpom.db.models import ApiToken, DashboardSessionRecord
from tests import sample_files
from tests.api.conftest import Stack
from tests.api.test_attachments_api import create, upload

LOGIN = "/tableau/connexion"


def sessions(stack: Stack) -> list[DashboardSessionRecord]:
    with Session(stack.life.engine) as session:
        return list(session.exec(select(DashboardSessionRecord)).all())


def token_id(stack: Stack, who: str) -> int:
    with Session(stack.life.engine) as session:
        row = session.exec(
            select(ApiToken).where(ApiToken.token_hash == digest(stack.tokens[who]))
        ).one()
    assert row.id is not None
    return row.id


async def sign_in(http: httpx.AsyncClient, token: str) -> httpx.Response:
    return await http.post(LOGIN, data={"token": token}, headers={"Authorization": ""})


def set_cookie(answer: httpx.Response) -> str:
    [header] = answer.headers.get_list("set-cookie")
    return header


async def test_the_cookie_holds_a_session_of_its_own_never_the_token(stack: Stack) -> None:
    token = stack.tokens["agent"]
    answer = await sign_in(stack.http, token)
    assert answer.status_code == 303
    header = set_cookie(answer)
    secret = re.match(r"cpom_jeton=([^;]+)", header)
    assert secret is not None
    assert secret[1] != token
    assert token not in header
    assert "HttpOnly" in header
    assert "SameSite=strict" in header
    assert "Secure" not in header  # plain HTTP here
    [row] = sessions(stack)
    assert row.secret_hash == digest(secret[1])  # stored hashed
    assert row.token_id == token_id(stack, "agent")
    assert row.expires_at - row.created_at == timedelta(hours=12)
    # The session opens the dashboard; the raw token in the cookie no longer does.
    signed_in = {"Cookie": f"cpom_jeton={secret[1]}", "Authorization": ""}
    assert (await stack.http.get("/tableau/", headers=signed_in)).status_code == 200
    raw = {"Cookie": f"cpom_jeton={token}", "Authorization": ""}
    assert (await stack.http.get("/tableau/", headers=raw)).headers["location"] == LOGIN


async def test_the_cookie_is_secure_over_https_or_when_the_setting_says_so(
    stack: Stack,
) -> None:
    token = stack.tokens["agent"]
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=stack.app), base_url="https://cpom"
    ) as https:
        assert "Secure" in set_cookie(await sign_in(https, token))
    settings = stack.life.settings.model_copy(update={"secure_cookies": True})
    behind_proxy = create_app(settings, client=stack.life.env.client, engine=stack.life.engine)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=behind_proxy), base_url="http://cpom"
    ) as http:
        assert "Secure" in set_cookie(await sign_in(http, token))


async def test_signing_out_ends_the_session(stack: Stack) -> None:
    signed_in = stack.signed_in("agent")
    assert (await stack.http.get("/tableau/", headers=signed_in)).status_code == 200
    out = await stack.http.get("/tableau/deconnexion", headers=signed_in)
    assert out.status_code == 303
    assert 'cpom_jeton=""' in set_cookie(out)
    assert sessions(stack) == []
    # The old cookie, replayed, opens nothing.
    assert (await stack.http.get("/tableau/", headers=signed_in)).headers["location"] == LOGIN


async def test_revoking_a_token_ends_its_sessions_and_api_access_at_once(stack: Stack) -> None:
    signed_in = stack.signed_in("superviseur")
    stack.signed_in("agent")
    assert (await stack.http.get("/tableau/", headers=signed_in)).status_code == 200
    assert (await stack.http.get("/me", headers=stack.as_("superviseur"))).status_code == 200
    revoke_token(stack.life.engine, token_id(stack, "superviseur"))
    assert (await stack.http.get("/tableau/", headers=signed_in)).headers["location"] == LOGIN
    assert (await stack.http.get("/me", headers=stack.as_("superviseur"))).status_code == 401
    assert [row.token_id for row in sessions(stack)] == [token_id(stack, "agent")]
    # Signing in again with it is refused.
    again = await sign_in(stack.http, stack.tokens["superviseur"])
    assert again.status_code == 401
    assert "jeton inconnu, révoqué ou expiré" in again.text


async def test_a_token_past_its_last_day_ends_its_session_at_once(stack: Stack) -> None:
    signed_in = stack.signed_in("sad")
    assert (await stack.http.get("/tableau/", headers=signed_in)).status_code == 200
    with Session(stack.life.engine) as session:
        row = session.get(ApiToken, token_id(stack, "sad"))
        assert row is not None
        row.expires_on = paris_today() - timedelta(days=1)
        session.add(row)
        session.commit()
    assert (await stack.http.get("/tableau/", headers=signed_in)).headers["location"] == LOGIN
    assert (await stack.http.get("/me", headers=stack.as_("sad"))).status_code == 401
    assert sessions(stack) == []


async def test_a_session_ends_after_its_lifetime_or_two_idle_hours(stack: Stack) -> None:
    signed_in = stack.signed_in("agent")
    assert (await stack.http.get("/tableau/", headers=signed_in)).status_code == 200
    now = datetime.now(UTC)
    with Session(stack.life.engine) as session:
        [row] = session.exec(select(DashboardSessionRecord)).all()
        row.last_seen_at = now - timedelta(hours=2, seconds=1)
        session.add(row)
        session.commit()
    assert (await stack.http.get("/tableau/", headers=signed_in)).headers["location"] == LOGIN
    assert sessions(stack) == []

    stack.sessions.clear()
    signed_in = stack.signed_in("agent")
    with Session(stack.life.engine) as session:
        [row] = session.exec(select(DashboardSessionRecord)).all()
        row.expires_at = now - timedelta(seconds=1)
        session.add(row)
        session.commit()
    assert (await stack.http.get("/tableau/", headers=signed_in)).headers["location"] == LOGIN


async def test_a_form_token_works_only_with_its_own_session(stack: Stack) -> None:
    first = stack.signed_in("agent")
    stack.sessions["agent-bis"] = await _second_session(stack)
    other = {"Cookie": f"cpom_jeton={stack.sessions['agent-bis']}", "Authorization": ""}
    # The form token of the first session, posted with the second one's cookie.
    stolen = await stack.http.post(
        "/tableau/calendrier/adresse",
        data={"csrf": csrf_token(stack.session("agent"))},
        headers=other,
    )
    assert stolen.status_code == 403
    assert "formulaire expiré" in stolen.json()["detail"]
    own = await stack.http.post(
        "/tableau/calendrier/adresse",
        data={"csrf": csrf_token(stack.session("agent"))},
        headers=first,
    )
    assert own.status_code == 200
    # Once signed out, the session's form tokens die with it.
    await stack.http.get("/tableau/deconnexion", headers=first)
    late = await stack.http.post(
        "/tableau/calendrier/revocation",
        data={"csrf": csrf_token(stack.session("agent"))},
        headers=first,
    )
    assert late.headers["location"] == LOGIN


async def _second_session(stack: Stack) -> str:
    answer = await sign_in(stack.http, stack.tokens["agent"])
    secret = re.match(r"cpom_jeton=([^;]+)", set_cookie(answer))
    assert secret is not None
    return secret[1]


SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}


async def test_every_answer_carries_the_security_headers(stack: Stack) -> None:
    signed_in = stack.signed_in("agent")
    answers = [
        await stack.http.get(LOGIN),
        await stack.http.get("/tableau/", headers=signed_in),
        await stack.http.get("/tableau/static/cpom.css"),
        await stack.http.get("/contracts"),
        await stack.http.get("/contracts/INCONNU"),
        await stack.http.get("/healthz"),
        await stack.http.get("/openapi.json"),
        await stack.http.post("/contracts", content=b"x" * (300 * 1024)),
        await stack.http.get("/contracts", params={"q": "\x00"}),
    ]
    assert [a.status_code for a in answers] == [200, 200, 200, 200, 404, 200, 200, 413, 422]
    for answer in answers:
        for name, value in SECURITY_HEADERS.items():
            assert answer.headers[name] == value, (answer.request.url, name)
        policy = answer.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in policy
        assert "script-src 'self';" in policy  # nothing inline
        assert "'unsafe-inline'" not in policy
    page = answers[1].text
    assert "<script" not in page
    assert "<style" not in page
    assert "style=" not in page
    assert '<link rel="stylesheet" href="/tableau/static/cpom.css">' in page


async def test_the_documentation_pages_allow_their_own_inline_script_only(
    stack: Stack,
) -> None:
    inline: dict[str, int] = {}
    for path in ("/docs", "/redoc"):
        answer = await stack.http.get(path)
        assert answer.status_code == 200
        policy = answer.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in policy
        scripts = re.findall(r"<script>(.*?)</script>", answer.text, re.DOTALL)
        allowed = re.search(r"script-src ([^;]*);", policy)
        assert allowed is not None
        hashes = {
            f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'"
            for s in scripts
        }
        assert set(allowed[1].split()) == {"'self'", *hashes}
        assert "'unsafe-inline'" not in allowed[1]
        inline[path] = len(hashes)
    assert inline == {"/docs": 1, "/redoc": 0}  # Swagger UI's start-up script
    assert answer.headers["x-content-type-options"] == "nosniff"


async def test_a_downloaded_file_keeps_its_own_sandbox_policy(stack: Stack) -> None:

    await create(stack)
    kept = (await upload(stack.http, "ar.pdf", sample_files.pdf())).json()
    download = await stack.http.get(kept["url"])
    assert download.headers["content-security-policy"] == "default-src 'none'; sandbox"
    assert download.headers["x-frame-options"] == "DENY"


async def test_sign_in_attempts_are_limited_per_client_address(stack: Stack) -> None:
    def client(address: str) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=stack.app, client=(address, 40000))
        return httpx.AsyncClient(transport=transport, base_url="http://cpom")

    async with client("192.0.2.10") as guesser, client("192.0.2.20") as colleague:
        for _ in range(10):
            wrong = await sign_in(guesser, "cpom_devine")
            assert wrong.status_code == 401
        refused = await sign_in(guesser, stack.tokens["agent"])  # even the right token
        assert refused.status_code == 429
        wait = int(refused.headers["retry-after"])
        assert 1 <= wait <= 60
        assert "trop de tentatives de connexion depuis cette adresse\u00a0: réessayer dans" in (
            refused.text
        )
        assert "set-cookie" not in refused.headers
        # Another address is not affected.
        assert (await sign_in(colleague, stack.tokens["agent"])).status_code == 303
