"""The one settings class: every value comes from a `CPOM_` environment variable or its default.

Defaults run everything on this machine: the Temporal dev server, SQLite under `data/` and a local
mail catcher.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from cpom import heap
from cpom.payload_codec import EncryptionKey, parse_keys

ROOT = Path(__file__).resolve().parent.parent
# What a browser sends in its Origin header: no path, no trailing slash.
ORIGIN = re.compile(r"https?://(\[[0-9A-Fa-f:]+\]|[^/\s:\[\]]+)(:[0-9]{1,5})?")


class Settings(BaseSettings):
    """Each field's description is the French line `cpom up --help` shows for its variable."""

    # A refused value is never echoed by the error's text: some are secrets (keys, passwords).
    model_config = SettingsConfigDict(env_prefix="CPOM_", extra="ignore", hide_input_in_errors=True)

    data_dir: Path = Field(default=ROOT / "data", description="dossier des données locales")
    database_url: str = Field(
        default="",
        description="base de l'application (URL SQLAlchemy) ; vide : SQLite dans "
        "CPOM_DATA_DIR/cpom.db",
    )
    templates_dir: Path = Field(
        default=ROOT / "templates", description="modèles Jinja2 des avis et des documents"
    )
    template_overrides: Path | None = Field(
        default=None,
        description="dossier des modèles propres à chaque autorité : un sous-dossier par "
        "identifiant d'autorité, rangé comme CPOM_TEMPLATES_DIR ; un modèle absent reste celui "
        "par défaut",
    )

    temporal_address: str = Field(
        default="localhost:7233", description="serveur Temporal (hôte:port)"
    )
    temporal_namespace: str = Field(default="default", description="espace de noms Temporal")
    # A secured cluster (mTLS) or Temporal Cloud (API key, over TLS): the worker, the API and
    # the command line connect alike (see cpom/temporal_connection.py).
    temporal_tls_ca: Path | None = Field(
        default=None,
        description="certificat (PEM) de l'autorité qui a signé celui du serveur Temporal ; "
        "vide : les autorités du système quand TLS est employé",
    )
    temporal_tls_cert: Path | None = Field(
        default=None,
        description="certificat client (PEM) présenté au serveur Temporal (mTLS), avec "
        "CPOM_TEMPORAL_TLS_KEY",
    )
    temporal_tls_key: Path | None = Field(
        default=None, description="clé privée (PEM) du certificat client Temporal"
    )
    temporal_tls_server_name: str = Field(
        default="",
        description="nom attendu dans le certificat du serveur Temporal ; vide : l'hôte de "
        "CPOM_TEMPORAL_ADDRESS",
    )
    temporal_api_key: SecretStr | None = Field(
        default=None,
        description="clé d'API Temporal Cloud (la connexion passe alors en TLS)",
    )
    task_queue: str = Field(default="cpom", description="file de tâches du worker")
    # Every call to Temporal has a deadline: a server that accepts the connection and never
    # answers would otherwise hold a request for ever.
    temporal_timeout_seconds: float = Field(
        default=10.0,
        gt=0,
        description="délai maximal de chaque appel au serveur Temporal (connexion, démarrage "
        "d'un contrat…), en secondes",
    )
    worker_wait_seconds: float = Field(
        default=10.0,
        gt=0,
        description="délai d'attente d'un worker pour prendre une décision, en secondes ; "
        "au-delà, l'API répond 503 avec Retry-After et la clé d'idempotence à renvoyer",
    )

    # Worker capacity on one machine (issue 12): contracts kept in memory between their wakes,
    # processes polling the same task queue (one Python process uses one core at most), and
    # the tasks each takes at once.
    max_cached_workflows: int = Field(
        default=1000,
        ge=0,
        le=1_000_000,
        description="contrats gardés en mémoire par chaque worker entre deux réveils ; au-delà, "
        "un contrat réveillé rejoue son historique",
    )
    worker_processes: int = Field(
        default=1,
        ge=1,
        le=64,
        description="processus worker lancés par cpom up sur la même file de tâches",
    )
    max_concurrent_workflow_tasks: int = Field(
        default=100,
        ge=2,
        le=10_000,
        description="tâches de workflow traitées en même temps par chaque worker",
    )
    max_concurrent_activities: int = Field(
        default=100,
        ge=1,
        le=10_000,
        description="activités (avis, documents, projections) exécutées en même temps par chaque "
        "worker",
    )
    gc_young_threshold: int = Field(
        default=heap.YOUNG_THRESHOLD,
        ge=700,
        le=1_000_000,
        description="allocations entre deux passages du ramasse-miettes sur les objets récents, "
        "dans chaque worker (Python : 700)",
    )

    # Keys, not a file of keys: a deployment passes them as it passes the SMTP password, from
    # its secret store.
    encryption_keys: SecretStr | None = Field(
        default=None,
        description="clés de chiffrement des données confiées à Temporal (AES-256), entrées "
        "« identifiant:clé en base64 » séparées par des virgules ; la première chiffre, toutes "
        "déchiffrent ; vide : données en clair",
    )
    compress_payloads: bool = Field(
        default=True,
        description="compresse (zlib) les données de 512 octets ou plus confiées à Temporal ; "
        "faux : les écrit telles quelles (compressées ou non, elles sont toujours lues)",
    )
    codec_allowed_origin: str = Field(
        default="http://127.0.0.1:8233",
        description="origine (schéma://hôte:port) de l'interface web de Temporal autorisée à "
        "appeler /codec/decode et /codec/encode depuis le navigateur ; vide : aucune",
    )

    smtp_host: str = Field(default="localhost", description="serveur SMTP qui envoie les avis")
    smtp_port: int = Field(
        default=2525, description="port SMTP ; avec cpom up, port du serveur de courrier local"
    )
    smtp_username: str | None = Field(default=None, description="identifiant SMTP")
    smtp_password: SecretStr | None = Field(default=None, description="mot de passe SMTP")
    smtp_starttls: bool = Field(default=False, description="chiffrer la connexion SMTP (STARTTLS)")
    # One sending, from the connection to the server's acceptance, must end well before the
    # activity's start-to-close timeout (10 minutes, in the workflow) and before its lease: a
    # server may take tens of seconds to accept a message (RFC 5321 §4.5.3.2 allows minutes),
    # and giving up earlier means sending it again.
    smtp_timeout_seconds: float = Field(
        default=60.0,
        gt=0,
        description="durée maximale d'un envoi au serveur SMTP, de la connexion à l'acceptation "
        "du message, en secondes",
    )
    notice_lease_seconds: float = Field(
        default=300.0,
        gt=0,
        description="pendant cette durée, en secondes, un avis en cours d'envoi n'est pas envoyé "
        "une seconde fois par un autre essai (plus longue que CPOM_SMTP_TIMEOUT_SECONDS)",
    )
    mail_from: str = Field(
        default="cpom <no-reply@cpom.localhost>",
        description="expéditeur des avis envoyés, pour une autorité dont CPOM_AUTHORITIES_FILE "
        "ne donne pas l'adresse d'expédition",
    )
    authorities_file: Path | None = Field(
        default=None,
        description="fichier TOML de l'identité de chaque autorité (service, adresse, ville, "
        "logo, expéditeur, contact, signataire, article du nom, autorité du recours "
        "hiérarchique) et des signataires des gestionnaires ; vide : les documents laissent "
        "ces mentions à compléter",
    )
    # One certificate, one authority: a deployment signs for the authority that runs it; the
    # other signatories sign their own fields with their own tools.
    signing_certificate: Path | None = Field(
        default=None,
        description="certificat de signature et sa clé privée (fichier PKCS#12, .p12 ou .pfx) "
        "de l'autorité CPOM_SIGNING_AUTHORITY : ses documents en portent la signature "
        "électronique (PAdES) ; vide : documents non signés, leurs champs de signature vides",
    )
    signing_password: SecretStr | None = Field(
        default=None, description="mot de passe du fichier CPOM_SIGNING_CERTIFICATE"
    )
    signing_authority: str = Field(
        default="",
        description="identifiant de l'autorité (« cd35 », « ars »…) pour laquelle signe "
        "CPOM_SIGNING_CERTIFICATE",
    )

    # Observability (cpom/telemetry.py): Prometheus metrics, OpenTelemetry traces, JSON logs.
    metrics_port: int | None = Field(
        default=None,
        ge=1,
        le=65535,
        description="port où chaque processus sert ses métriques Prometheus (/metrics : celles "
        "du SDK Temporal et celles de cpom) ; avec cpom up, celui de l'API, le worker numéro k "
        "sur ce port + k ; vide : pas de métriques",
    )
    metrics_host: str = Field(
        default="127.0.0.1",
        description="adresse d'écoute des métriques (0.0.0.0 dans un conteneur)",
    )
    otlp_endpoint: str = Field(
        default="",
        description="adresse du collecteur OpenTelemetry (OTLP/HTTP, par exemple "
        "http://otel-collector:4318) où envoyer les traces API → workflow → activités ; vide : "
        "OTEL_EXPORTER_OTLP_ENDPOINT s'il est défini, sinon pas de traces",
    )
    log_format: Literal["text", "json"] = Field(
        default="text",
        description="format des journaux : text (lisible) ou json (une ligne JSON par "
        "message, avec la référence du contrat et l'identifiant du workflow quand ils sont "
        "connus)",
    )

    # `cpom up` only: where the embedded services listen.
    public_url: str = Field(
        default="",
        description="adresse publique du tableau de bord (https://cpom.exemple.fr), à laquelle "
        "les avis renvoient ; vide : celle de cpom up (http://CPOM_API_HOST:CPOM_API_PORT)",
    )
    api_host: str = Field(default="127.0.0.1", description="adresse d'écoute de l'API (cpom up)")
    api_port: int = Field(default=8000, description="port de l'API et du tableau de bord (cpom up)")
    temporal_ui_port: int = Field(
        default=8233, description="port de l'interface web de Temporal (cpom up)"
    )

    # Whether each process brings the schema up to date when it starts; a deployment with
    # several processes sets it to false and runs `cpom db upgrade` once instead.
    migrate_on_start: bool = Field(
        default=True,
        description="chaque processus met le schéma de la base à jour au démarrage "
        "(false si « cpom db upgrade » s'en charge)",
    )

    max_upload_bytes: int = Field(
        default=20 * 1024 * 1024,
        gt=0,
        description="taille maximale d'une pièce déposée (accusé de réception, avenant signé…), "
        "en octets",
    )

    # Behind a proxy that ends TLS, uvicorn sees plain HTTP unless it trusts the proxy's
    # X-Forwarded-Proto (--proxy-headers): this setting marks the cookie Secure regardless.
    secure_cookies: bool = Field(
        default=False,
        description="cookie de session du tableau de bord marqué Secure (HTTPS seulement) ; il "
        "l'est de toute façon quand la page est servie en https",
    )

    @field_validator("temporal_address")
    @classmethod
    def _host_and_port(cls, value: str) -> str:
        host, colon, port = value.rpartition(":")
        if not (colon and host and port.isascii() and port.isdigit() and 0 < int(port) < 65536):
            raise ValueError("attendu hôte:port, par exemple localhost:7233")
        return value

    @field_validator("encryption_keys")
    @classmethod
    def _keys_parse(cls, value: SecretStr | None) -> SecretStr | None:
        # Set but empty (`CPOM_ENCRYPTION_KEYS=` in a compose file) is the same as unset.
        if value is None or not parse_keys(value.get_secret_value()):
            return None
        return value

    @field_validator("codec_allowed_origin")
    @classmethod
    def _an_origin(cls, value: str) -> str:
        if value and not ORIGIN.fullmatch(value):
            raise ValueError(
                "attendu schéma://hôte[:port] sans chemin, par exemple http://127.0.0.1:8233"
            )
        return value

    @property
    def encryption_key_list(self) -> list[EncryptionKey]:
        """The keys, the encrypting one first; empty when payloads go in clear."""
        return parse_keys(self.encryption_keys.get_secret_value()) if self.encryption_keys else []

    @property
    def names_in_search_attributes(self) -> bool:
        """Search attributes are never encrypted: with encryption on, they name nobody."""
        return self.encryption_keys is None

    @property
    def temporal_host_and_port(self) -> tuple[str, int]:
        host, _, port = self.temporal_address.rpartition(":")
        return host, int(port)

    @model_validator(mode="after")
    def _client_certificate_with_its_key(self) -> Settings:
        if (self.temporal_tls_cert is None) != (self.temporal_tls_key is None):
            raise ValueError(
                "CPOM_TEMPORAL_TLS_CERT et CPOM_TEMPORAL_TLS_KEY vont ensemble : le certificat "
                "client et sa clé privée"
            )
        return self

    @model_validator(mode="after")
    def _certificate_for_an_authority(self) -> Settings:
        if self.signing_certificate is not None and not self.signing_authority:
            raise ValueError(
                "CPOM_SIGNING_CERTIFICATE demande CPOM_SIGNING_AUTHORITY : l'identifiant de "
                "l'autorité pour laquelle le certificat signe"
            )
        return self

    @property
    def temporal_uses_tls(self) -> bool:
        return bool(self.temporal_tls_ca or self.temporal_tls_cert or self.temporal_api_key)

    @model_validator(mode="after")
    def _lease_outlasts_a_sending(self) -> Settings:
        if self.notice_lease_seconds <= self.smtp_timeout_seconds:
            raise ValueError(
                "CPOM_NOTICE_LEASE_SECONDS doit dépasser CPOM_SMTP_TIMEOUT_SECONDS : sinon un "
                "avis encore en cours d'envoi pourrait être envoyé une seconde fois"
            )
        return self

    def effective_public_url(self) -> str:
        return self.public_url or f"http://{self.api_host}:{self.api_port}"

    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'cpom.db'}"


@lru_cache
def get_settings() -> Settings:
    return Settings()


def documented_settings() -> list[tuple[str, str, str]]:
    """Every setting as (variable, default, description), from the class itself so that the
    help of `cpom up` cannot drift from what the service reads."""
    prefix = Settings.model_config.get("env_prefix", "")
    rows = []
    for name, field in Settings.model_fields.items():
        default = field.default
        if default is None or default == "":
            shown = "vide"
        elif isinstance(default, bool):
            shown = str(default).lower()
        else:
            shown = str(default)
        rows.append((f"{prefix}{name.upper()}", shown, field.description or ""))
    return rows
