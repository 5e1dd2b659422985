"""The one settings class: every value comes from a `CPOM_` environment variable or its default.

Defaults run everything on this machine: the Temporal dev server, SQLite under `data/` and a local
mail catcher.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CPOM_", extra="ignore")

    data_dir: Path = ROOT / "data"
    database_url: str = ""
    templates_dir: Path = ROOT / "templates"

    temporal_address: str = "localhost:7233"
    temporal_namespace: str = "default"
    task_queue: str = "cpom"

    smtp_host: str = "localhost"
    smtp_port: int = 2525
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    smtp_timeout_seconds: float = 30.0
    mail_from: str = "cpom <no-reply@cpom.localhost>"

    # `cpom up` only: where the embedded services listen.
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    temporal_ui_port: int = 8233

    # Whether each process brings the schema up to date when it starts; a deployment with
    # several processes sets it to false and runs `cpom db upgrade` once instead.
    migrate_on_start: bool = True

    # Largest file a user may upload (proofs of receipt, signed avenants…), in bytes.
    max_upload_bytes: int = Field(default=20 * 1024 * 1024, gt=0)

    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'cpom.db'}"


@lru_cache
def get_settings() -> Settings:
    return Settings()
