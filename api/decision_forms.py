"""Every decision of the API as a plain HTML form of the dashboard: its French labels, its
defaults, and how its posted fields become the decision's fields.

The workflow still checks every decision: a form only gathers what the API would receive.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from cpom.access import PARTY_FIELDS, Principal, Role
from cpom.domain.lifecycle import (
    ENDED,
    IN_FORCE,
    PRE_SIGNATURE,
    DenonciationMode,
    Party,
    Phase,
    ResiliationReason,
    accepted_document_items,
    item_label,
)
from cpom.domain.live_agenda import AgendaItem, Status, status_on
from cpom.domain.terms import ContractTerms
from cpom.messages import DECISIONS


class Input(StrEnum):
    DATE = "date"
    TEXT = "text"
    LINES = "lines"  # a textarea, one value per line
    NUMBER = "number"
    SELECT = "select"
    CHOICES = "choices"  # checkboxes, several values
    YES_NO = "yes_no"  # two radio buttons
    CONFIRM = "confirm"  # a checkbox that must be ticked, not sent to the API
    # For each objective of the contract, its decision (select) and the reasons (text).
    OBJECTIVE_DECISIONS = "objective_decisions"


@dataclass(frozen=True)
class FormField:
    name: str
    label: str
    input: Input
    required: bool = True
    help: str = ""
    choices: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class DecisionForm:
    action: str
    title: str
    button: str
    fields: tuple[FormField, ...] = ()
    explanation: str = ""
    # What an attached file proves, when the decision usually comes with one.
    attachment_kind: str | None = None


# Which signing authority decides, on a contract several sign; shown only on those.
SIGNING_AUTHORITY = FormField(
    "authority",
    "Autorité signataire",
    Input.SELECT,
    required=False,
    help="Le contrat a plusieurs autorités signataires : celle au nom de laquelle la décision "
    "est enregistrée.",
)
# Who signed an avenant, on a contract several authorities sign: it takes effect signed by all.
SIGNED_BY = FormField(
    "signed_by",
    "Signé par",
    Input.CHOICES,
    required=False,
    help="L'avenant ne prend effet que signé par tous les signataires.",
)
# Who signed the contract itself, on a contract several authorities sign.
SIGNED_BY_ALL = dataclasses.replace(
    SIGNED_BY, help="Le contrat ne prend effet que signé par tous les signataires."
)
# The relevé's decision on each objective of the contract (a contract without objectives has
# none to show): posted as `objectif:<id>` and `motifs:<id>`.
OBJECTIVE_DECISIONS = FormField(
    "objective_decisions",
    "Décision sur chaque objectif",
    Input.OBJECTIVE_DECISIONS,
    required=False,
    help="Motifs obligatoires pour un objectif ajusté ou abandonné.",
)
DECISION_CHOICES = (("maintenu", "maintenu"), ("ajuste", "ajusté"), ("abandonne", "abandonné"))
# Fields only a contract with several signing authorities shows.
SEVERAL_SIGNATORIES = {SIGNING_AUTHORITY.name, SIGNED_BY.name}
CONFIRM = FormField(
    "confirm",
    "Je confirme cette décision, qui met fin au contrat",
    Input.CONFIRM,
)
PARTIES = ((Party.AUTORITE.value, "l'autorité"), (Party.GESTIONNAIRE.value, "le gestionnaire"))


def answered_by(request: str) -> FormField:
    return FormField(
        "answered_by",
        "Réponse de",
        Input.SELECT,
        help=f"Seule l'autre partie {request} peut y répondre ; la réponse reçue du "
        "gestionnaire par courrier s'enregistre à son nom.",
        choices=PARTIES,
    )


FORMS: dict[str, DecisionForm] = {
    form.action: form
    for form in (
        DecisionForm(
            "validate_cadrage",
            "Valider la lettre de cadrage",
            "Valider le cadrage",
            explanation="Les deux parties ont validé la lettre de cadrage : le diagnostic "
            "partagé commence.",
        ),
        DecisionForm(
            "validate_diagnostic",
            "Valider le diagnostic partagé",
            "Valider le diagnostic",
            explanation="Le relevé de décisions valide le diagnostic : la négociation commence.",
        ),
        DecisionForm(
            "sign",
            "Enregistrer la signature du contrat",
            "Enregistrer la signature",
            (FormField("signed_on", "Date de signature", Input.DATE), SIGNED_BY_ALL),
        ),
        DecisionForm(
            "submit_documents",
            "Enregistrer des documents annuels reçus",
            "Enregistrer les documents",
            (
                FormField("exercise", "Exercice", Input.NUMBER),
                FormField("items", "Pièces reçues", Input.CHOICES),
            ),
            attachment_kind="documents_annuels",
        ),
        DecisionForm(
            "review_documents",
            "Examiner les documents annuels d'un exercice",
            "Enregistrer l'examen",
            (
                FormField("exercise", "Exercice", Input.NUMBER),
                FormField(
                    "observations",
                    "Observations",
                    Input.TEXT,
                    required=False,
                    help="Facultatif : ce que l'examen relève.",
                ),
            ),
        ),
        DecisionForm(
            "record_tarification",
            "Enregistrer l'arrêté de tarification d'un exercice",
            "Enregistrer l'arrêté",
            (
                FormField("exercise", "Exercice", Input.NUMBER),
                FormField(
                    "notified_on",
                    "Notifié au gestionnaire le",
                    Input.DATE,
                    help="Jour de la notification des ressources de l'exercice : sous le régime "
                    "de l'EPRD, une notification tardive reporte la date de transmission de "
                    "l'EPRD.",
                ),
            ),
            attachment_kind="autre",
        ),
        DecisionForm(
            "record_dialogue",
            "Enregistrer un dialogue de gestion",
            "Enregistrer le dialogue",
            (
                FormField("held_on", "Tenu le", Input.DATE),
                FormField("participants", "Participants", Input.LINES, help="Un par ligne."),
                FormField("decisions", "Décisions", Input.LINES, help="Une par ligne."),
                OBJECTIVE_DECISIONS,
            ),
        ),
        DecisionForm(
            "approve_releve",
            "Approuver le relevé de décisions",
            "Approuver le relevé",
            (
                FormField(
                    "party",
                    "Au nom de",
                    Input.SELECT,
                    choices=(
                        (Party.AUTORITE.value, "l'autorité"),
                        ("gestionnaire", "le gestionnaire"),
                    ),
                ),
                SIGNING_AUTHORITY,
            ),
            explanation="Le relevé du dernier dialogue de gestion est établi quand tous les "
            "signataires l'ont approuvé.",
        ),
        DecisionForm(
            "request_prorogation",
            "Enregistrer une demande de prorogation",
            "Enregistrer la demande",
            (
                FormField(
                    "requested_by",
                    "Demandée par",
                    Input.SELECT,
                    choices=(("gestionnaire", "le gestionnaire"), ("autorite", "l'autorité")),
                ),
                dataclasses.replace(
                    SIGNING_AUTHORITY,
                    help="Le contrat a plusieurs autorités signataires : celle qui demande la "
                    "prorogation, quand la demande vient d'une autorité ; les autres y répondent "
                    "avec le gestionnaire.",
                ),
                FormField(
                    "received_on",
                    "Reçue le",
                    Input.DATE,
                    help="Jour de la réception prouvée (accusé de réception) : le délai de "
                    "réponse court à partir du lendemain.",
                ),
                FormField(
                    "requested_echeance",
                    "Échéance demandée",
                    Input.DATE,
                    required=False,
                    help="Facultatif : à défaut, la durée maximale de six ans.",
                ),
            ),
            attachment_kind="avis_de_reception",
        ),
        DecisionForm(
            "answer_prorogation",
            "Répondre à la demande de prorogation",
            "Enregistrer la réponse",
            (
                FormField(
                    "accept",
                    "Réponse",
                    Input.YES_NO,
                    choices=(("true", "Accepter la prorogation"), ("false", "La refuser")),
                ),
                FormField("received_on", "Réponse reçue le", Input.DATE),
                answered_by("à la demande"),
                SIGNING_AUTHORITY,
            ),
            explanation="Un refus ouvre aussitôt la négociation d'un nouveau CPOM ; sans "
            "réponse au dernier jour du délai, le silence vaut accord. Avec plusieurs "
            "autorités signataires, la prorogation attend l'accord de chacune.",
            attachment_kind="autre",
        ),
        DecisionForm(
            "sign_avenant",
            "Enregistrer un avenant signé",
            "Enregistrer l'avenant",
            (
                FormField("signed_on", "Signé le", Input.DATE),
                FormField("summary", "Objet de l'avenant", Input.TEXT),
                FormField(
                    "new_echeance",
                    "Nouvelle échéance",
                    Input.DATE,
                    required=False,
                    help="Seulement si l'avenant proroge le contrat d'un commun accord ; "
                    "laisser vide pour l'avenant qui constate une prorogation déjà acquise.",
                ),
                SIGNED_BY,
            ),
            attachment_kind="avenant_signe",
        ),
        DecisionForm(
            "open_renegotiation",
            "Ouvrir la négociation d'un nouveau CPOM",
            "Ouvrir la négociation",
            explanation="Crée le CPOM successeur en phase de cadrage, lié à celui-ci.",
        ),
        DecisionForm(
            "denounce",
            "Enregistrer une dénonciation",
            "Enregistrer la dénonciation",
            (
                FormField(
                    "mode",
                    "Motif",
                    Input.SELECT,
                    choices=(
                        (DenonciationMode.MUTUELLE.value, "d'un commun accord"),
                        (DenonciationMode.MANQUEMENT.value, "pour manquement"),
                    ),
                ),
                FormField("notified_on", "Notifiée le", Input.DATE),
                FormField(
                    "notified_by",
                    "Notifiée par",
                    Input.SELECT,
                    help="La lettre reçue du gestionnaire s'enregistre à son nom.",
                    choices=PARTIES,
                ),
                FormField(
                    "confirm",
                    "Je confirme cette dénonciation, ou cette proposition de dénonciation",
                    Input.CONFIRM,
                ),
            ),
            explanation="D'un commun accord, la dénonciation n'est qu'une proposition : elle ne "
            "prend effet qu'acceptée par l'autre partie, le préavis courant de l'acceptation ; "
            "sans réponse, le contrat continue. Pour manquement, elle met fin au contrat au terme "
            "du préavis compté de sa notification.",
            attachment_kind="avis_de_reception",
        ),
        DecisionForm(
            "answer_denonciation",
            "Répondre à la proposition de dénonciation d'un commun accord",
            "Enregistrer la réponse",
            (
                FormField(
                    "accept",
                    "Réponse",
                    Input.YES_NO,
                    choices=(("true", "Accepter la dénonciation"), ("false", "La refuser")),
                ),
                FormField("received_on", "Réponse reçue le", Input.DATE),
                answered_by("à la proposition"),
            ),
            explanation="Acceptée, la dénonciation met fin au contrat au terme du préavis, "
            "compté du jour de l'acceptation ; refusée, ou sans réponse, le contrat continue.",
            attachment_kind="autre",
        ),
        DecisionForm(
            "request_authorisation",
            "Enregistrer une demande d'autorisation du gestionnaire",
            "Enregistrer la demande",
            (
                FormField(
                    "subject",
                    "Objet de la demande",
                    Input.TEXT,
                    help="Par exemple : extension de 12 places du CHRS, ou autorisation des "
                    "places déclarées au 30 juin 2017.",
                ),
                FormField(
                    "received_on",
                    "Reçue par l'autorité le",
                    Input.DATE,
                    help="Jour de la réception prouvée (accusé de réception) : le délai de "
                    "décision court à partir du lendemain.",
                ),
            ),
            explanation="L'autorité se prononce dans le délai du contrat (deux mois pour l'État, "
            "loi ELAN, art. 125 IV) ; sans réponse au dernier jour, son silence vaut rejet.",
            attachment_kind="avis_de_reception",
        ),
        DecisionForm(
            "answer_authorisation",
            "Se prononcer sur une demande d'autorisation",
            "Enregistrer la décision",
            (
                FormField("request_id", "Demande", Input.SELECT),
                FormField(
                    "accept",
                    "Décision",
                    Input.YES_NO,
                    choices=(("true", "Accorder l'autorisation"), ("false", "La refuser")),
                ),
                FormField("received_on", "Décision notifiée le", Input.DATE),
                FormField(
                    "reasons",
                    "Motifs",
                    Input.TEXT,
                    required=False,
                    help="Obligatoires pour un refus : la décision de rejet est motivée (code "
                    "des relations entre le public et l'administration, art. L. 211-2).",
                ),
            ),
            explanation="Une décision notifiée après le dernier jour du délai est refusée : la "
            "demande est alors déjà rejetée par le silence de l'autorité.",
            attachment_kind="autre",
        ),
        DecisionForm(
            "terminate",
            "Enregistrer une résiliation",
            "Enregistrer la résiliation",
            (
                FormField(
                    "reason",
                    "Motif",
                    Input.SELECT,
                    choices=(
                        (ResiliationReason.LIQUIDATION.value, "liquidation judiciaire"),
                        (ResiliationReason.MANQUEMENT.value, "manquement (par l'autorité)"),
                    ),
                ),
                FormField("on", "Date de résiliation", Input.DATE),
                CONFIRM,
            ),
        ),
    )
}
assert set(FORMS) == set(DECISIONS), "every decision of the API has its form"


# Where a decision can apply; the workflow decides in the end, this only spares people forms
# it would refuse whatever they type.
_NEGOTIATION_STEP = {
    "validate_cadrage": Phase.CADRAGE,
    "validate_diagnostic": Phase.DIAGNOSTIC,
    "sign": Phase.NEGOCIATION,
}


# Answers to a request of the other party: offered only while one awaits them.
ANSWERS = frozenset({"answer_prorogation", "answer_denonciation", "answer_authorisation"})


def applies(action: str, phase: Phase) -> bool:
    if action in _NEGOTIATION_STEP:
        return phase is _NEGOTIATION_STEP[action]
    if phase in ENDED or phase in PRE_SIGNATURE:
        return False
    if action == "answer_prorogation":
        return phase is Phase.PROROGATION_EN_COURS
    if action == "request_prorogation":
        return phase in IN_FORCE and phase is not Phase.PROROGATION_EN_COURS
    return True


def awaited_answer(action: str, agenda: Sequence[AgendaItem]) -> AgendaItem | None:
    """The step of the agenda that awaits an answer (`action`), if one does."""
    return next((i for i in agenda if i.action == action and i.awaited and i.done_on is None), None)


def answerable(principal: Principal, action: str, agenda: Sequence[AgendaItem]) -> bool:
    """An answer awaits: from anyone for an agent (who records the gestionnaire's mail too),
    from its own party for a gestionnaire."""
    awaited = awaited_answer(action, agenda)
    if awaited is None:
        return False
    return principal.role is not Role.GESTIONNAIRE or awaited.waiting_for is Party.GESTIONNAIRE


def allowed_forms(
    principal: Principal,
    contract_siren: str | None,
    phase: Phase,
    agenda: Sequence[AgendaItem],
    terms: ContractTerms | None = None,
) -> list[DecisionForm]:
    return [
        form
        for form in FORMS.values()
        if principal.may_act(form.action, contract_siren)
        and applies(form.action, phase)
        and (form.action not in ANSWERS or answerable(principal, form.action, agenda))
        and (terms is None or provided_for(form.action, terms))
    ]


def provided_for(action: str, terms: ContractTerms) -> bool:
    """Whether the contract's rules provide for the decision at all."""
    if action == "request_authorisation":
        return terms.rules.authorisation_reply_months is not None
    return True


def pending_authorisations(agenda: Sequence[AgendaItem]) -> tuple[tuple[str, str], ...]:
    """The authorisation requests awaiting the authority, as (id, label) choices."""
    prefix = "autorisation:"
    return tuple(
        (item.key.removeprefix(prefix), item.label)
        for item in agenda
        if item.action == "answer_authorisation" and item.done_on is None
    )


def fields_for(
    principal: Principal, form: DecisionForm, terms: ContractTerms | None = None
) -> tuple[FormField, ...]:
    """A gestionnaire decides in its own name: it chooses no party, nor authority. The signing
    authority is chosen only on a contract several authorities sign, and only by a national
    agent: one scoped to an authority decides in its name (`Principal.decision_fields`)."""
    several = terms is not None and bool(terms.co_signatories)
    hidden = set(SEVERAL_SIGNATORIES) if not several else set()
    if principal.role is Role.GESTIONNAIRE:
        hidden |= {PARTY_FIELDS.get(form.action, ""), SIGNING_AUTHORITY.name}
    elif principal.authority_scope is not None:
        hidden.add(SIGNING_AUTHORITY.name)
    return tuple(f for f in form.fields if f.name not in hidden)


@dataclass
class FormState:
    """What a form shows: its values (defaults or what was posted) and the refusal, if any."""

    values: dict[str, Any] = field(default_factory=dict)
    error: str | list[str] | None = None
    open: bool = False


def defaults(
    form: DecisionForm, terms: ContractTerms, agenda: list[AgendaItem], today: date
) -> dict[str, Any]:
    """Dates default to today; the exercise to the one the agenda awaits; who answers to the
    party the answer awaits (the other party of the request)."""
    values: dict[str, Any] = {}
    for form_field in form.fields:
        if form_field.input is Input.DATE and form_field.required:
            values[form_field.name] = today.isoformat()
        elif form_field.input is Input.SELECT and form_field.choices:
            values[form_field.name] = form_field.choices[0][0]
    answer = awaited_answer(form.action, agenda) if form.action in ANSWERS else None
    if answer is not None and answer.waiting_for is not None:
        values["answered_by"] = answer.waiting_for.value
    if form.action == "record_tarification":
        awaited = [
            item for item in agenda if item.action == "record_tarification" and item.done_on is None
        ]
        values["exercise"] = str(awaited[0].exercise if awaited else today.year)
    if form.action == "answer_authorisation":
        waiting = pending_authorisations(agenda)
        if waiting:
            values["request_id"] = waiting[0][0]
    if form.action in ("submit_documents", "review_documents"):
        kind = "documents:examen:" if form.action == "review_documents" else "documents:"
        awaited = [
            item
            for item in agenda
            if item.key.startswith(kind)
            and item.key.count(":") == kind.count(":")
            and status_on(item, today) in (Status.PENDING, Status.MISSED)
        ]
        values["exercise"] = str(awaited[0].exercise if awaited else today.year - 1)
    return values


def choices_for(
    form_field: FormField, terms: ContractTerms, agenda: Sequence[AgendaItem] = ()
) -> tuple[tuple[str, str], ...]:
    if form_field.name == "request_id":
        return pending_authorisations(agenda)
    if form_field.name == SIGNING_AUTHORITY.name:
        return tuple((a.key, a.name) for a in terms.authorities)
    if form_field.name == SIGNED_BY.name:
        return (
            *((a.key, a.name) for a in terms.authorities),
            ("gestionnaire", terms.gestionnaire.raison_sociale),
        )
    if form_field.name == "items":
        return tuple((item, item_label(item)) for item in accepted_document_items(terms))
    return form_field.choices


class FormRefused(ValueError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def objective_decisions_of(posted: Mapping[str, list[str]]) -> list[dict[str, str]]:
    """The objectives decided on in a posted dialogue form, with their reasons."""
    decided = []
    for name, values in posted.items():
        objective = name.removeprefix("objectif:")
        if objective != name and values and values[0].strip():
            reasons = posted.get(f"motifs:{objective}", [""])
            decided.append(
                {
                    "objective_id": objective,
                    "decision": values[0].strip(),
                    "reasons": reasons[0].strip() if reasons else "",
                }
            )
    return decided


def decision_fields(
    principal: Principal,
    form: DecisionForm,
    posted: Mapping[str, list[str]],
    terms: ContractTerms | None = None,
) -> dict[str, Any]:
    """The decision's fields from a posted form; what is missing is refused in French."""
    fields: dict[str, Any] = {}
    problems = []
    for form_field in fields_for(principal, form, terms):
        if form_field.input is Input.OBJECTIVE_DECISIONS:
            if decided := objective_decisions_of(posted):
                fields[form_field.name] = decided
            continue
        raw = [value.strip() for value in posted.get(form_field.name, []) if value.strip()]
        if form_field.input is Input.CONFIRM:
            if not raw:
                problems.append(f"« {form_field.label} » : case à cocher pour confirmer")
            continue
        if not raw:
            if form_field.required:
                problems.append(f"« {form_field.label} » : à renseigner")
            continue
        if form_field.input is Input.LINES:
            fields[form_field.name] = [line.strip() for line in raw[0].splitlines() if line.strip()]
        elif form_field.input is Input.CHOICES:
            fields[form_field.name] = raw
        elif form_field.input is Input.YES_NO:
            fields[form_field.name] = raw[0] == "true"
        else:
            fields[form_field.name] = raw[0]
    if problems:
        raise FormRefused(problems)
    if fields.get(PARTY_FIELDS.get(form.action, "")) == Party.GESTIONNAIRE.value:
        # The select always posts an authority: a decision of the gestionnaire names none.
        fields.pop(SIGNING_AUTHORITY.name, None)
    return fields
