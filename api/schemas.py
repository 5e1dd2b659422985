"""Request and response bodies of the HTTP API (French descriptions for the OpenAPI schema)."""

from datetime import date, datetime
from datetime import date as Day  # fields named `date` shadow the type in their class
from typing import Annotated, Any

from fastapi import Path
from pydantic import BaseModel, Field
from pydantic_core import from_json

from cpom.domain.identifiers import REFERENCE_RULE
from cpom.domain.live_agenda import (
    STATUS_LABELS,
    nature_of,
    status_of,
)
from cpom.service import ContractRows

REFERENCE_DESCRIPTION = (
    f"Référence du contrat, sa clé : {REFERENCE_RULE} ; elle est refusée, jamais corrigée, "
    "quand elle s'en écarte. Le contrat qui succède à un autre reprend sa référence suivie de "
    "« -R »."
)
# What an address may name: the rule of a new reference, plus the « -R » of successors.
ReferencePath = Annotated[
    str,
    Path(
        description=REFERENCE_DESCRIPTION,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$",
        examples=["CPOM-35-SAD-2024"],
    ),
]


class ContractCreate(BaseModel):
    terms: dict[str, Any] = Field(
        description="Termes du contrat, comme un fichier `--terms` de `cpom calendar` : "
        "référence, préréglage, autorité, gestionnaire, date d'effet, durée, règles. "
        f"`reference` : {REFERENCE_RULE}. SIREN, SIRET et "
        "FINESS sont vérifiés avec leur clé, les adresses électroniques par leur forme ; un "
        "texte ne contient pas de caractère nul.",
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
        description="Contrat déjà en vigueur : ses rappels passés ne sont pas envoyés ; ses "
        "obligations passées (documents, dialogues, relevés) apparaissent manquées sauf "
        "celles déclarées faites par `declared_up_to_date_on`.",
    )
    declared_up_to_date_on: date | None = Field(
        default=None,
        description="Contrat importé : jour jusqu'auquel son cycle annuel (documents, "
        "dialogues de gestion, relevés) est déclaré à jour (AAAA-MM-JJ).",
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
    echeance: date = Field(
        description="Échéance : dernier jour d'application prévu par les termes du contrat, "
        "prorogations comprises. Une fin anticipée notifiée (dénonciation, résiliation) est "
        "l'étape `early_end` de son agenda, et le prochain délai légal jusqu'à ce jour."
    )
    gestionnaire_finess: str | None
    next_deadline: date | None = Field(
        description="Prochain délai légal de l'agenda vivant, en attente ou à venir ; jamais "
        "une date passée (ce qui est manqué est dans `overdue_since`)."
    )
    next_deadline_kind: str | None
    next_deadline_label: str | None
    overdue_since: date | None = Field(
        description="Jour de la plus ancienne obligation non remplie ; le contrat est en "
        "retard à partir du lendemain."
    )
    overdue_label: str | None
    risk: str | None = Field(
        description="Pourquoi le contrat risque de s'achever sans prorogation ni successeur."
    )
    successor_reference: str | None
    predecessor_reference: str | None
    updated_at: datetime


class ContractPage(BaseModel):
    total: int = Field(description="Nombre de contrats répondant aux filtres.")
    page: int
    per_page: int
    pages: int = Field(description="Nombre de pages.")
    items: list[ContractSummary]


class AgendaEntry(BaseModel):
    """One step of the contract's live agenda, as its workflow holds it."""

    key: str = Field(description="Identifiant stable de l'étape dans le contrat.")
    date: Day = Field(description="Dernier jour (délai) ou jour de l'étape.")
    kind: str
    label: str = Field(description="Intitulé en français.")
    nature: str = Field(description="« délai légal », « cible » (rappels seulement) ou « date ».")
    hard: bool = Field(description="Délai légal ou contractuel (vrai) ou date cible (faux).")
    status: str = Field(description="done, pending, missed ou upcoming, à la date du jour.")
    status_label: str = Field(description="État en français.")
    awaited: bool = Field(description="Vrai si quelqu'un doit agir avant la date.")
    obligation: bool = Field(description="Vrai si la manquer met le contrat en retard.")
    waiting_for: str | None = Field(description="Partie attendue : autorite ou gestionnaire.")
    action: str | None = Field(description="Décision qui accomplit l'étape.")
    opens_on: Day | None = Field(description="Attendue à partir de ce jour.")
    done_on: Day | None
    done_by: str | None = Field(description="Qui l'a accomplie.")
    outcome: str | None = Field(description="Comment elle s'est conclue.")
    on_silence: str = Field(description="Sens du silence au terme : accept, reject ou none.")
    silence_on: Day | None = Field(description="Jour où le silence produit son effet.")
    consequence: str | None = Field(description="Ce qu'il advient si rien n'est fait.")
    contract_year: int | None
    exercise: int | None
    basis: dict[str, Any] = Field(
        description="Fondement : `rule` (la règle en clair), `law` (l'article du contrat et le "
        "texte de loi, à montrer comme motif), ancre, jours reportés, jour non ouvré ; `source` "
        "garde pour l'audit seulement la référence des documents d'origine."
    )


class EventItem(BaseModel):
    date: date
    kind: str
    summary: str
    actor: str | None
    details: dict[str, str]


class ContractDetail(BaseModel):
    contract: ContractSummary
    terms: dict[str, Any]
    agenda: list[AgendaEntry] = Field(
        description="L'agenda vivant du contrat, tel que son workflow le tient, par date."
    )
    events: list[EventItem]
    objectives: dict[str, Any] | None = Field(
        default=None,
        description="Les objectifs en vigueur (version, fondement), chacun avec ses actions et "
        "ses indicateurs : trajectoire (valeur d'entrée, cibles), valeurs déclarées par "
        "exercice et atteinte de la dernière ; absent si le contrat n'en inscrit pas.",
    )


class TaskItem(BaseModel):
    reference: str
    gestionnaire: str
    key: str = Field(description="Étape de l'agenda du contrat.")
    action: str = Field(description="Décision à prendre (POST /contracts/{ref}/actions/…).")
    title: str = Field(description="Ce qu'il faut faire, en français.")
    detail: str
    deadline: date = Field(description="Dernier jour pour agir.")
    status: str = Field(description="pending ou missed.")
    waiting_for: str
    consequence: str = Field(description="Ce qu'il advient si rien n'est fait.")
    silence_on: date | None = Field(description="Jour où le silence vaut accord, le cas échéant.")
    risk: str | None


class TaskPage(BaseModel):
    total: int
    page: int
    per_page: int
    items: list[TaskItem]


class ActionResult(BaseModel):
    phase: str = Field(
        description="Phase du contrat juste après la décision et ce qu'elle déclenche aussitôt "
        "(un refus de prorogation ouvre la renégociation, une résiliation datée du jour met "
        "fin au contrat)."
    )
    message: str = Field(description="Message en français.")


class NoticeItem(BaseModel):
    id: int
    kind: str
    recipients: list[str]
    subject: str
    status: str = Field(description="sent, pending, failed_attempt ou no_recipient.")
    status_label: str = Field(
        description="Où en est l'envoi, en français : « envoyé le 02/05/2028 à 10 h 03 », "
        "« en attente d'envoi, nouvel essai à 10 h 05 ; dernier essai en échec : serveur de "
        "messagerie injoignable »…"
    )
    smtp_response: str | None = Field(
        description="Réponse du serveur SMTP qui a accepté l'avis, preuve d'envoi (vide tant "
        "qu'il n'est pas envoyé)."
    )
    message_id: str
    notice_date: date
    sent_at: datetime | None
    attempts: int = Field(description="Nombre d'essais d'envoi.")
    next_attempt_at: datetime | None = Field(description="Prochain essai d'envoi, après un échec.")


class Problem(BaseModel):
    detail: str | list[str] = Field(description="Explication en français.")


class Me(BaseModel):
    name: str = Field(description="Nom du titulaire du jeton.")
    email: str | None = Field(
        description="Adresse électronique du titulaire (absente des jetons anciens)."
    )
    role: str = Field(description="Rôle : agent, supervisor ou gestionnaire.")
    role_label: str = Field(description="Rôle en français : agent, superviseur, gestionnaire.")
    siren: str | None = Field(description="SIREN de l'organisme, pour un gestionnaire.")
    authority: str | None = Field(
        default=None,
        description="Identifiant de l'autorité dont seuls les contrats sont lus, pour un agent "
        "ou un superviseur qui y est rattaché ; absent : national, tous les contrats.",
    )
    expires_on: date | None = Field(
        description="Dernier jour de validité du jeton (heure de Paris) ; absent : sans limite."
    )
    actor: str = Field(description="Nom inscrit au journal des décisions prises avec ce jeton.")


class CalendarFeedAddress(BaseModel):
    url: str = Field(
        description="Adresse d'abonnement secrète, affichée une seule fois : qui la connaît lit "
        "le calendrier, sans jeton."
    )


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


def detail_payload(rows: ContractRows, today: date) -> dict[str, Any]:
    """`ContractDetail` as plain data, built straight from the projection's rows: the
    contract's page is the service's most read answer (a test checks it against the model)."""
    agenda = []
    for row in rows.agenda:
        status = status_of(row["day"], row["awaited"], row["opens_on"], row["done_on"], today)
        agenda.append(
            {
                "key": row["key"],
                "date": row["day"],
                "kind": row["kind"],
                "label": row["label"],
                "nature": nature_of(row["hard"], row["awaited"]),
                "hard": row["hard"],
                "status": status.value,
                "status_label": STATUS_LABELS[status],
                "awaited": row["awaited"],
                "obligation": row["obligation"],
                "waiting_for": row["waiting_for"],
                "action": row["action"],
                "opens_on": row["opens_on"],
                "done_on": row["done_on"],
                "done_by": row["done_by"],
                "outcome": row["outcome"],
                "on_silence": row["on_silence"],
                "silence_on": row["silence_on"],
                "consequence": row["consequence"],
                "contract_year": row["contract_year"],
                "exercise": row["exercise"],
                "basis": from_json(row["basis_json"]),
            }
        )
    return {
        "contract": {field: rows.contract[field] for field in ContractSummary.model_fields},
        "terms": from_json(rows.terms_json),
        "agenda": agenda,
        "events": [
            {
                "date": event["on"],
                "kind": event["kind"],
                "summary": event["summary"],
                "actor": event["actor"],
                "details": from_json(event["details_json"]),
            }
            for event in rows.events
        ],
        "objectives": rows.objectives,
    }


class HealthReport(BaseModel):
    status: str = Field(
        description="`ok`, ou `dégradé` quand Temporal ne répond pas ou qu'aucun worker "
        "n'écoute la file de tâches (les lectures fonctionnent, les décisions attendent)."
    )
    temporal: str = Field(description="`joignable` ou `injoignable`.")
    worker: str = Field(
        description="`présent`, `absent` ou `inconnu` (serveur qui ne dit pas ses workers)."
    )
    workers: int | None = Field(description="Workers à l'écoute de la file de tâches.")
    detail: str = Field(description="Explication en français.")


class ReadinessReport(BaseModel):
    status: str = Field(description="`prêt`, ou `pas prêt` (réponse 503) : voir `manque`.")
    manque: list[str] = Field(
        description="Ce qui manque : `base de données`, `Temporal`, `worker` ; vide si prêt."
    )
    workers: int | None = Field(description="Workers à l'écoute de la file de tâches.")
    detail: list[str] = Field(description="Explications en français, une par contrôle.")


class SignatoryOut(BaseModel):
    name: str = Field(description="Nom du signataire (« M. Jean Dupont »).")
    title: str = Field(
        description="Qualité du signataire (« Président du conseil départemental »)."
    )


class AuthorityIdentityOut(BaseModel):
    key: str = Field(
        description="Identifiant de l'autorité, celui des termes (`id`, ou sa nature)."
    )
    service: str = Field(description="Service qui suit les CPOM, en tête des documents.")
    address: str = Field(description="Adresse postale, une ligne par ligne.")
    city: str = Field(description="Ville du « Fait à … » des documents.")
    sender: str = Field(description="Expéditeur des avis (« Service <adresse@domaine> »).")
    contact: str = Field(description="Contact nommé à la fin des avis.")
    phone: str = Field(description="Téléphone du contact.")
    court: str = Field(description="Tribunal administratif cité dans les voies de recours.")
    signatory: SignatoryOut
    logo: bool = Field(description="Un logo figure en tête des documents.")
    article: str | None = Field(
        description="Article du nom (« le », « la », « l' », « les », vide pour aucun) : "
        "« pour le Département… », « de l'ARS… » ; null : celui de sa nature d'autorité."
    )
    hierarchical_superior: str | None = Field(
        description="Autorité du recours hiérarchique, avec son article (« le ministre chargé "
        "de la santé ») ; vide : aucun recours hiérarchique ; null : celle de sa nature "
        "d'autorité (aucune pour un Département)."
    )
