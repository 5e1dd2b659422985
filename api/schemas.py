"""Request and response bodies of the HTTP API (French descriptions for the OpenAPI schema)."""

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field


class ContractCreate(BaseModel):
    terms: dict[str, Any] = Field(
        description="Termes du contrat, comme un fichier `--terms` de `cpom calendar` : "
        "référence, préréglage, autorité, gestionnaire, date d'effet, durée, règles.",
        examples=[
            {
                "reference": "CPOM-35-SAD-2024",
                "preset": "sad",
                "effet": "2024-01-01",
                "duration_years": 5,
                "authority": {
                    "kind": "departement",
                    "name": "Département d'Ille-et-Vilaine",
                    "territory": "35",
                    "email": "cpom@ille-et-vilaine.example",
                },
                "gestionnaire": {
                    "raison_sociale": "SAD Exemple",
                    "siren": "732829320",
                    "email": "direction@sad-exemple.example",
                },
            }
        ],
    )
    imported: bool = Field(
        default=False,
        description="Contrat déjà en vigueur : ses échéances passées sont enregistrées comme "
        "passées, sans notification.",
    )


class ContractCreated(BaseModel):
    reference: str = Field(description="Référence du contrat (clé métier).")
    created: bool = Field(description="Faux si le contrat existait déjà : rien n'a changé.")
    phase: str = Field(description="Phase du contrat.")


class ContractSummary(BaseModel):
    reference: str
    sector: str = Field(description="Préréglage du secteur : sad, esms-ars, ahi-etat.")
    phase: str
    authority_kind: str
    authority_name: str
    territory: str
    gestionnaire: str
    gestionnaire_siren: str | None
    effet: date
    echeance: date = Field(description="Dernier jour d'application du contrat.")
    next_deadline: date | None = Field(description="Prochain délai légal.")
    next_deadline_kind: str | None
    successor_reference: str | None
    predecessor_reference: str | None
    updated_at: datetime


class ContractPage(BaseModel):
    total: int = Field(description="Nombre de contrats répondant aux filtres.")
    page: int
    per_page: int
    items: list[ContractSummary]


class TimelineItem(BaseModel):
    date: date
    kind: str
    label: str = Field(description="Intitulé en français.")
    hard: bool = Field(description="Délai légal (vrai) ou date cible pour les rappels (faux).")
    past: bool
    basis: dict[str, Any] = Field(description="Fondement : règle, ancre, source, jours reportés.")


class EventItem(BaseModel):
    date: date
    kind: str
    summary: str
    actor: str | None
    details: dict[str, str]


class ContractDetail(BaseModel):
    contract: ContractSummary
    terms: dict[str, Any]
    timeline: list[TimelineItem]
    events: list[EventItem]
    live: bool = Field(description="Vrai si le workflow a répondu ; sinon vue de la base.")


class ActionResult(BaseModel):
    phase: str
    message: str = Field(description="Message en français.")


class NoticeItem(BaseModel):
    id: int
    kind: str
    recipients: list[str]
    subject: str
    status: str = Field(description="sent, pending, failed_attempt ou no_recipient.")
    smtp_response: str | None = Field(description="Réponse du serveur SMTP, preuve d'envoi.")
    message_id: str
    notice_date: date
    sent_at: datetime | None


class Problem(BaseModel):
    detail: str | list[str] = Field(description="Explication en français.")


class AttachmentItem(BaseModel):
    id: int
    reference: str
    filename: str = Field(description="Nom d'origine du fichier, sans dossier.")
    content_type: str = Field(description="Type reconnu d'après le contenu du fichier.")
    size: int = Field(description="Taille en octets.")
    sha256: str
    kind: str = Field(description="avis_de_reception, avenant_signe, documents_annuels ou autre.")
    kind_label: str
    description: str | None
    decision: str | None = Field(description="Décision à laquelle la pièce se rapporte.")
    uploaded_at: datetime
    uploaded_by: str
    url: str = Field(description="Adresse de téléchargement.")


class DocumentListItem(BaseModel):
    id: int
    source: str = Field(description="`genere` (document produit par cpom) ou `depose` (pièce).")
    kind: str
    kind_label: str
    title: str = Field(description="Titre du document généré ou nom du fichier déposé.")
    content_type: str
    date: datetime = Field(description="Génération ou dépôt.")
    size: int = Field(description="Taille en octets.")
    sha256: str
    uploaded_by: str | None = Field(description="Auteur du dépôt ; vide pour un document généré.")
    url: str = Field(description="Adresse de téléchargement.")
