"""Tables of the application database (SQLModel)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index, UniqueConstraint, column, text
from sqlmodel import Field, SQLModel

from cpom.domain.milestones import ROUTINE_KINDS

DEADLINE_ORDER = (column("next_deadline").is_(None), "next_deadline", "reference")
# The agenda's steps the inbox lists: those calling for an action, not done yet.
OPEN_STEP = "action IS NOT NULL AND done_on IS NULL"
# The agenda's steps but the routine ones (payments, monthly reports), which no reader across
# contracts lists by day: 42 of a new contract's 71 rows. The query that reads the index of
# the others says it in these very words (`text(NOT_ROUTINE)`), the only way a database sees
# the index fits it. Said as one comparison per kind: SQLite builds a table of the values of a
# `NOT IN` list each time it checks a row against it, a sixth of the cost of inserting a new
# contract's agenda (issue 12).
NOT_ROUTINE = " AND ".join(f"kind <> '{kind.value}'" for kind in sorted(ROUTINE_KINDS))
# Ids are 32-bit integers in both databases: a larger one cannot exist, and asking the database
# for it fails (overflow) instead of finding nothing.
MAX_ROW_ID = 2**31 - 1


class ContractRecord(SQLModel, table=True):
    """The current state of one contract, as the API and supervisors read it."""

    __tablename__ = "contract"
    # Lists come nearest deadline first, contracts without one last: with these indexes a page
    # is read in order, filtered by phase or sector or not, and stops at its limit instead of
    # sorting every matching row.
    __table_args__ = (
        Index("ix_contract_deadline_order", *DEADLINE_ORDER),
        Index("ix_contract_phase_order", "phase", *DEADLINE_ORDER),
        Index("ix_contract_sector_order", "sector", *DEADLINE_ORDER),
    )

    reference: str = Field(primary_key=True, max_length=80)
    sector: str
    phase: str
    authority_kind: str = Field(index=True)
    # The lead authority's `Authority.key`; every signing authority's is in `contract_authority`.
    authority_key: str = Field(default="", max_length=80)
    authority_name: str
    territory: str
    gestionnaire: str = Field(index=True)
    gestionnaire_siren: str | None = Field(default=None, index=True)
    gestionnaire_finess: str | None = Field(default=None, index=True, max_length=9)
    effet: date
    echeance: date = Field(index=True)
    # The earliest legal deadline of the live agenda still pending or to come.
    next_deadline: date | None = Field(default=None, index=True)
    next_deadline_kind: str | None = None
    next_deadline_label: str | None = None
    # The day of the earliest obligation missed: the contract is late from the day after.
    overdue_since: date | None = Field(default=None, index=True)
    overdue_label: str | None = None
    # Why the contract may end with nothing to follow it (French), or None.
    risk: str | None = None
    successor_reference: str | None = None
    predecessor_reference: str | None = None
    updated_at: datetime


class ContractTermsRecord(SQLModel, table=True):
    """The full terms of a contract, apart so that lists and sorts stay on narrow rows."""

    __tablename__ = "contract_terms"

    reference: str = Field(primary_key=True, foreign_key="contract.reference", max_length=80)
    terms_json: str


class ContractAuthorityRecord(SQLModel, table=True):
    """One authority signing a contract (`Authority.key`): the lead one and each co-signatory.

    Who holds a token scoped to an authority reads the contracts it signs, found here.
    """

    __tablename__ = "contract_authority"

    reference: str = Field(primary_key=True, foreign_key="contract.reference", max_length=80)
    authority_key: str = Field(primary_key=True, max_length=80, index=True)


class AgendaRecord(SQLModel, table=True):
    """One step of a contract's live agenda, as the workflow last projected it."""

    __tablename__ = "agenda_item"
    # Partial indexes: said for SQLite, whose throwaway databases are built from these models;
    # PostgreSQL's come from the migration alone (naming PostgreSQL here would load its dialect
    # in every process, 30 ms, see `driver_rows`).
    __table_args__ = (
        # The inbox reads the open steps awaiting one party, nearest first: only they are in
        # this index (a new contract writes 16 rows into it, not 71).
        Index(
            "ix_agenda_open_steps",
            "waiting_for",
            "day",
            sqlite_where=text(OPEN_STEP),
        ),
        # A contract's page and calendar read its steps in this order, without sorting them.
        Index("ix_agenda_reading_order", "reference", "day", "key"),
        # The steps of every contract within some dates (calendar feeds, deadlines by month).
        Index(
            "ix_agenda_day_not_routine",
            "day",
            sqlite_where=text(NOT_ROUTINE),
        ),
    )

    reference: str = Field(primary_key=True, foreign_key="contract.reference", max_length=80)
    key: str = Field(primary_key=True, max_length=120)
    day: date
    kind: str
    label: str
    hard: bool
    on_silence: str
    contract_year: int | None = None
    exercise: int | None = None
    awaited: bool
    obligation: bool
    waiting_for: str | None = None
    action: str | None = None
    opens_on: date | None = None
    done_on: date | None = None
    done_by: str | None = None
    outcome: str | None = None
    silence_on: date | None = None
    consequence: str | None = None
    basis_json: str


class EventRecord(SQLModel, table=True):
    __tablename__ = "contract_event"
    # Its index finds a contract's events in their order: no other one on the reference.
    __table_args__ = (UniqueConstraint("reference", "sequence"),)

    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(foreign_key="contract.reference")
    sequence: int
    on: date
    kind: str
    summary: str
    actor: str | None = None
    details_json: str = "{}"


class NoticeRecord(SQLModel, table=True):
    """The outbox: one row per notice, unique by business key, so a retry never sends twice."""

    __tablename__ = "notice"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, max_length=300)
    reference: str = Field(index=True)
    kind: str
    recipients: str
    subject: str
    body_text: str
    body_html: str
    message_id: str
    # The From it goes out with: its authority's sender address; empty, CPOM_MAIL_FROM.
    sender: str | None = None
    # The documents it carries as PDF files (`DocumentRecord.id`, comma-separated).
    attachments: str | None = None
    status: str = Field(index=True)
    # The server's acceptance, kept as proof of sending; errors go to `last_error`.
    smtp_response: str | None = None
    attempts: int = 0
    created_at: datetime
    sent_at: datetime | None = None
    notice_date: date
    # The lease of the attempt sending it now: another attempt sends nothing before it ends.
    claimed_by: str | None = None
    claimed_until: datetime | None = None
    # The last failure: its kind (`failure`, shown in French) and the raw error, for
    # supervisors and logs only; when the next attempt comes.
    failure: str | None = None
    last_error: str | None = None
    next_attempt_at: datetime | None = None


class DocumentRecord(SQLModel, table=True):
    __tablename__ = "document"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, max_length=300)
    reference: str = Field(index=True)
    kind: str
    title: str
    document_date: date
    html: str
    pdf: bytes
    sha256: str
    created_at: datetime


class ApiToken(SQLModel, table=True):
    """A bearer token of the API, held by a named person, stored as its SHA-256 only.

    Tokens created before people were recorded have no email and no expiry date.
    """

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    name: str
    email: str | None = Field(default=None, max_length=320)
    role: str
    gestionnaire_siren: str | None = Field(default=None, max_length=9)
    # The authority (`Authority.key`) whose contracts alone it reads; None: every authority's.
    authority_key: str | None = Field(default=None, max_length=80)
    token_hash: str = Field(unique=True, max_length=64)
    created_at: datetime
    # The last Europe/Paris day on which the token works.
    expires_on: date | None = None
    revoked_at: datetime | None = None


class AuthorityIdentityRecord(SQLModel, table=True):
    """An authority's identity as a supervisor edited it through the API: it replaces the
    configuration file's entry for its key (but for the logo, which only the file gives)."""

    __tablename__ = "authority_identity"

    key: str = Field(primary_key=True, max_length=80)
    # The fields of `cpom.identities.AuthorityIdentity` but the logo, checked as the file's.
    identity_json: str
    updated_at: datetime
    updated_by: str = Field(max_length=300)


class CalendarFeed(SQLModel, table=True):
    """The secret address of a person's calendar feed, one per token, stored as its SHA-256.

    Calendar applications cannot send a bearer token: the secret in the address stands for it.
    Rotating replaces the hash (the old address stops working), revoking deletes the row.
    """

    __tablename__ = "calendar_feed"

    id: int | None = Field(default=None, primary_key=True)
    token_id: int = Field(foreign_key="api_token.id", unique=True)
    secret_hash: str = Field(unique=True, max_length=64)
    created_at: datetime


class DashboardSessionRecord(SQLModel, table=True):
    """A person signed in to the dashboard: the cookie holds a random secret, stored here as its
    SHA-256, never the person's bearer token. It ends at sign-out, at its expiry, after two idle
    hours, or as soon as its token is revoked or expires."""

    __tablename__ = "dashboard_session"

    secret_hash: str = Field(primary_key=True, max_length=64)
    token_id: int = Field(foreign_key="api_token.id", index=True)
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime


class CaughtMailRecord(SQLModel, table=True):
    """A message received by the local mail catcher (local mode only)."""

    __tablename__ = "caught_mail"

    id: int | None = Field(default=None, primary_key=True)
    received_at: datetime
    envelope_to: str
    subject: str
    notice: str | None = None
    reference: str | None = Field(default=None, index=True)
    text: str


class AttachmentRecord(SQLModel, table=True):
    """A file uploaded for a contract (proof of receipt, signed avenant, annual documents…),
    kept with its bytes and checksum; generated documents stay in `document`."""

    __tablename__ = "attachment"

    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(index=True, foreign_key="contract.reference", max_length=80)
    filename: str = Field(max_length=255)
    content_type: str = Field(max_length=120)
    size: int
    sha256: str = Field(max_length=64)
    data: bytes
    kind: str = Field(max_length=40)
    description: str | None = Field(default=None, max_length=1000)
    decision: str | None = Field(default=None, max_length=40)
    uploaded_at: datetime
    uploaded_by: str = Field(max_length=300)


class ImportJobRecord(SQLModel, table=True):
    """A bulk import running in the background of an API process, and how far it got."""

    __tablename__ = "import_job"

    id: str = Field(primary_key=True, max_length=32)
    filename: str = Field(max_length=255)
    actor: str
    # The authority of the agent who started it (`Authority.key`); None: a national agent.
    authority_key: str | None = Field(default=None, max_length=80)
    status: str = Field(index=True)
    total: int
    done: int = 0
    created: int = 0
    already_present: int = 0
    message: str | None = None
    started_at: datetime
    heartbeat_at: datetime
    finished_at: datetime | None = None


class IdempotencyRecord(SQLModel, table=True):
    """An idempotency key of a decision, bound to its caller and to what it was first sent with,
    and the first answer given with it (None while no worker has answered)."""

    __tablename__ = "idempotency_key"

    # The person's token (or, for a caller without a token, its name): keys of two people
    # never meet.
    caller: str = Field(primary_key=True, max_length=320)
    key: str = Field(primary_key=True, max_length=200)
    # SHA-256 of the contract, the action and the fields first sent with the key.
    fingerprint: str = Field(max_length=64)
    update_id: str = Field(max_length=80)
    reference: str = Field(max_length=80)
    action: str = Field(max_length=40)
    created_at: datetime
    expires_at: datetime = Field(index=True)
    outcome_json: str | None = None


class ContractCreationRecord(SQLModel, table=True):
    """The digest of the request that created a contract (`cpom.creation_requests`): a second
    request for its reference is the same one, or refused."""

    __tablename__ = "contract_creation"

    # No foreign key: it is written before the workflow's first projection lists the contract.
    reference: str = Field(primary_key=True, max_length=80)
    # SHA-256 of the request as understood (terms, objectives, import fields).
    digest: str = Field(max_length=64)
    at: datetime


class ObjectiveSetRecord(SQLModel, table=True):
    """The contract's objectives as adopted at signature (version 1) or by an avenant: every
    version kept, the highest in force. They live here, not in the workflow's state, which stays
    small (its continue-as-new input)."""

    __tablename__ = "objective_set"

    reference: str = Field(primary_key=True, foreign_key="contract.reference", max_length=80)
    version: int = Field(primary_key=True)
    adopted_on: date
    # Why this version: « signature du contrat », « avenant signé le 12/03/2026 : … ».
    basis: str
    objectives_json: str
    recorded_at: datetime


class ObjectivesReportRecord(SQLModel, table=True):
    """The gestionnaire's yearly report on the objectives: indicator values, action statuses."""

    __tablename__ = "objectives_report"

    reference: str = Field(primary_key=True, foreign_key="contract.reference", max_length=80)
    exercise: int = Field(primary_key=True)
    report_json: str
    submitted_on: date
    submitted_by: str
    updated_at: datetime


class ObjectiveDecisionRecord(SQLModel, table=True):
    """What a dialogue de gestion decided for one objective, as its relevé records it."""

    __tablename__ = "objective_decision"

    reference: str = Field(primary_key=True, foreign_key="contract.reference", max_length=80)
    contract_year: int = Field(primary_key=True)
    objective_id: str = Field(primary_key=True, max_length=20)
    decision: str
    reasons: str
    held_on: date
