"""Refuse impossible contract terms with a French message naming the field and the rule."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, replace
from datetime import date

from cpom.domain.date_law import echeance_after
from cpom.domain.identifiers import (
    email_problem,
    finess_problem,
    siren_problem,
    siret_problem,
    text_problem,
)
from cpom.domain.terms import (
    Authority,
    BudgetRegime,
    ContractRules,
    ContractTerms,
    DotationSchedule,
    MonthDay,
    Prorogation,
    Silence,
)
from cpom.domain.territory import UnknownTerritory, normalize_territory

ALLOWED_NOTICE_MONTHS = (6, 12)
MAX_ARTICLE_LENGTH = 40
# A name (an authority's, the gestionnaire's, an establishment's): the longest legal names of
# the SIRENE register hold 120 characters. Temporal refuses a search attribute of over 2,048
# bytes (the gestionnaire's name is one): a contract accepted with a longer name lost its
# workflow at its first step.
MAX_NAME_LENGTH = 200
MIN_YEARS, RECOMMENDED_MIN_YEARS, MAX_INITIAL_YEARS, MAX_TOTAL_YEARS = 2, 3, 5, 6
# What a stored reference may be: the rule of references people type (cpom.domain.identifiers)
# with room for the « -R » each successor contract adds to its predecessor's.
_REFERENCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,79}")


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with the terms: the field it concerns and what the rule says."""

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field} : {self.message}"


class InvalidTerms(ValueError):
    """The terms break at least one rule; `problems` lists every one of them."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


def _month_day_problem(name: str, value: MonthDay) -> Problem | None:
    # 2001 is a common year: a 29 February would not come back every year.
    try:
        date(2001, value.month, value.day)
    except (ValueError, OverflowError):
        return Problem(name, f"le {value.day}/{value.month} n'existe pas chaque année")
    return None


def _rules_problems(rules: ContractRules, duration_years: int) -> list[Problem]:
    problems: list[Problem] = []
    notice = rules.prorogation_notice_months
    if notice not in ALLOWED_NOTICE_MONTHS:
        problems.append(
            Problem(
                "prorogation_notice_months",
                f"préavis de notification de {notice} mois impossible : les contrats types "
                "prévoient 6 mois (contrat type des services autonomie à domicile) ou 12 mois "
                "(modèle de l'arrêté du 25 octobre 2019) avant l'échéance",
            )
        )
    reply = rules.prorogation_reply_months
    if reply < 1:
        problems.append(
            Problem("prorogation_reply_months", "le délai de réponse doit être d'au moins 1 mois")
        )
    elif reply >= notice:
        problems.append(
            Problem(
                "prorogation_reply_months",
                f"un délai de réponse de {reply} mois n'est pas plus court que le préavis de "
                f"notification de {notice} mois : la réponse tacite tomberait après l'échéance",
            )
        )
    target = rules.prorogation_reply_target_months
    if target is not None and not 1 <= target <= reply:
        problems.append(
            Problem(
                "prorogation_reply_target_months",
                f"la cible interne de réponse ({target} mois) doit être comprise entre 1 mois "
                f"et le délai légal de réponse ({reply} mois)",
            )
        )
    if not 1 <= rules.prorogation_notice_reminder_months <= 12:
        problems.append(
            Problem(
                "prorogation_notice_reminder_months",
                "le rappel avant la date limite de notification doit tomber 1 à 12 mois avant",
            )
        )
    if rules.renegotiation_start_months not in ALLOWED_NOTICE_MONTHS:
        problems.append(
            Problem(
                "renegotiation_start_months",
                f"{rules.renegotiation_start_months} mois : la renégociation s'ouvre au plus "
                "tard 6 mois (contrat type des services autonomie à domicile) ou 12 mois (modèle "
                "de l'arrêté du 25 octobre 2019) avant l'échéance",
            )
        )
    elif rules.renegotiation_start_months > notice:
        problems.append(
            Problem(
                "renegotiation_start_months",
                "la renégociation sans demande de prorogation ne peut s'ouvrir avant la date "
                f"limite de notification ({notice} mois avant l'échéance)",
            )
        )
    if not rules.renegotiation_start_months <= rules.renewal_preparation_months <= 24:
        problems.append(
            Problem(
                "renewal_preparation_months",
                "la préparation du renouvellement commence entre la date d'ouverture de la "
                "renégociation et 24 mois avant l'échéance",
            )
        )
    # An out-of-range duration has its own message; compare the cap with a possible one.
    initial = min(max(duration_years, MIN_YEARS), MAX_INITIAL_YEARS)
    if not initial <= rules.max_total_years <= MAX_TOTAL_YEARS:
        problems.append(
            Problem(
                "max_total_years",
                f"{rules.max_total_years} ans : la durée totale, prorogation comprise, va de la "
                "durée initiale à 6 ans au plus (prorogation dans la limite d'une sixième année)",
            )
        )
    final_review = rules.final_review_months
    if final_review is not None and not 1 <= final_review <= rules.renewal_preparation_months:
        problems.append(
            Problem(
                "final_review_months",
                "le bilan final se tient avant la négociation du futur contrat, au plus tôt au "
                f"début de la préparation du renouvellement ({rules.renewal_preparation_months} "
                "mois avant l'échéance)",
            )
        )
    if not rules.annual_document_items or not all(
        re.fullmatch(r"[a-z0-9_]{1,60}", item) for item in rules.annual_document_items
    ):
        problems.append(
            Problem(
                "annual_document_items",
                "au moins une pièce annuelle, chacune nommée en minuscules, chiffres et « _ »",
            )
        )
    for name, days, limit in (
        ("documents_escalation_days", (rules.documents_escalation_days,), 90),
        ("dialogue_convocation_days", (rules.dialogue_convocation_days,), 90),
        ("releve_reminder_days", (rules.releve_reminder_days,), 90),
        ("action_reminder_days", (rules.action_reminder_days,), 120),
        ("annual_documents_reminder_days", rules.annual_documents_reminder_days, 120),
    ):
        if not all(1 <= day <= limit for day in days):
            problems.append(Problem(name, f"un nombre de jours entre 1 et {limit} est attendu"))
    if not 0 <= rules.annual_documents_year_offset <= 1:
        problems.append(
            Problem(
                "annual_documents_year_offset",
                "les documents annuels de l'exercice N sont dus en N ou en N+1",
            )
        )
    if not 1 <= rules.dialogue_month <= 12:
        problems.append(Problem("dialogue_month", f"mois {rules.dialogue_month} inexistant"))
    if rules.mid_term_year is not None and not 1 <= rules.mid_term_year <= duration_years:
        problems.append(
            Problem(
                "mid_term_year",
                f"l'année de mi-parcours doit être une année du contrat (1 à {duration_years})",
            )
        )
    for name, months in (
        ("mutual_denonciation_preavis_months", rules.mutual_denonciation_preavis_months),
        ("breach_denonciation_preavis_months", rules.breach_denonciation_preavis_months),
    ):
        if months is not None and not 1 <= months <= 12:
            problems.append(Problem(name, f"un préavis de {months} mois n'est pas admis (1 à 12)"))
    for name, months in (
        ("cadrage_months", rules.cadrage_months),
        ("diagnostic_months", rules.diagnostic_months),
        ("negotiation_months", rules.negotiation_months),
    ):
        if not 1 <= months <= 24:
            problems.append(Problem(name, f"une durée de phase de {months} mois n'est pas admise"))
    problems += _authorisation_problems(rules)
    problems += _money_and_budget_problems(rules)
    for name, value in (
        ("annual_documents_due", rules.annual_documents_due),
        ("final_execution_report_due", rules.final_execution_report_due),
        ("dotation_advance_due", rules.dotation_advance_due),
        ("dotation_balance_due", rules.dotation_balance_due),
        ("dotation_regularisation_due", rules.dotation_regularisation_due),
        ("dotation_single_payment_due", rules.dotation_single_payment_due),
        ("budget_forecast_due", rules.budget_forecast_due),
        ("budget_proposals_due", rules.budget_proposals_due),
        ("tarification_due", rules.tarification_due),
        ("subsidy_avenant_due", rules.subsidy_avenant_due),
    ):
        problem = _month_day_problem(name, value) if value is not None else None
        if problem:
            problems.append(problem)
    return problems


def _money_and_budget_problems(rules: ContractRules) -> list[Problem]:
    problems = []
    for name, day in (
        ("monthly_payment_day", rules.monthly_payment_day),
        ("monthly_activity_report_day", rules.monthly_activity_report_day),
    ):
        if day is not None and not 1 <= day <= 31:
            problems.append(Problem(name, f"le {day} n'est pas un jour du mois (1 à 31)"))
    if rules.budget_regime is BudgetRegime.EPRD and "eprd" in rules.annual_document_items:
        problems.append(
            Problem(
                "annual_document_items",
                "« eprd » n'est pas un document annuel : sous le régime de l'EPRD, il a son "
                "propre calendrier (30 avril de l'exercice)",
            )
        )
    for field in dataclasses.fields(rules):
        value = getattr(rules, field.name)
        if field.name.startswith("article_") and len(value) > MAX_ARTICLE_LENGTH:
            problems.append(
                Problem(
                    field.name,
                    f"un numéro d'article tient en {MAX_ARTICLE_LENGTH} caractères au plus "
                    "(par exemple « art. 12 » ou « point V.2 »)",
                )
            )
    days = rules.budget_forecast_days_after_notification
    if not 1 <= days <= 365:
        problems.append(
            Problem(
                "budget_forecast_days_after_notification",
                f"{days} jours après la notification des ressources : attendu de 1 à 365 jours",
            )
        )
    return problems


def _authorisation_problems(rules: ContractRules) -> list[Problem]:
    problems = []
    months = rules.authorisation_reply_months
    if months is not None and not 1 <= months <= 12:
        problems.append(
            Problem(
                "authorisation_reply_months",
                f"un délai de réponse de {months} mois aux demandes d'autorisation n'est pas admis "
                "(1 à 12 mois)",
            )
        )
    if rules.reply_silence is not Silence.ACCEPT:
        # Every model of the sector says it: « à défaut de réponse dans ce délai, l'accord est
        # réputé acquis ». A contract saying otherwise is not a prorogation simple.
        problems.append(
            Problem(
                "reply_silence",
                "le silence gardé sur une demande de prorogation vaut accord (« à défaut de "
                "réponse dans ce délai, l'accord est réputé acquis ») : seule la valeur accept "
                "est admise",
            )
        )
    if rules.authorisation_silence is Silence.NONE:
        problems.append(
            Problem(
                "authorisation_silence",
                "le silence de l'autorité sur une demande d'autorisation doit valoir accord "
                "(accept) ou rejet (reject)",
            )
        )
    return problems


def _authority_paths(terms: ContractTerms) -> list[tuple[str, Authority]]:
    """Each signing authority with the field people wrote it in."""
    if not terms.co_signatories:
        return [("authority", terms.authority)]
    return [(f"authorities[{index}]", a) for index, a in enumerate(terms.authorities)]


def _authority_problems(path: str, authority: Authority) -> list[Problem]:
    problems: list[Problem] = []
    try:
        if normalize_territory(authority.territory) != authority.territory:
            problems.append(
                Problem(
                    f"{path}.territory",
                    f"écrire « {authority.territory} » sous "
                    "sa forme canonique (par exemple 01, 2A, 974)",
                )
            )
    except UnknownTerritory as error:
        problems.append(Problem(f"{path}.territory", str(error)))
    for name, text in (("name", authority.name), ("id", authority.id)):
        if (problem := text_problem(text)) is not None:
            problems.append(Problem(f"{path}.{name}", problem))
    checks = (
        ("email", authority.email, email_problem),
        ("supervisor_email", authority.supervisor_email, email_problem),
        ("siren", authority.siren, siren_problem),
    )
    for name, value, check in checks:
        if value is not None and (problem := check(value)) is not None:
            problems.append(Problem(f"{path}.{name}", problem))
    return problems


def _signatory_problems(terms: ContractTerms) -> list[Problem]:
    """Several signatories: each named once. An address is optional, as for a single authority:
    a signatory without one follows its notices in the dashboard's inbox."""
    if not terms.co_signatories:
        return []
    problems: list[Problem] = []
    seen: set[str] = set()
    for path, authority in _authority_paths(terms):
        if authority.key in seen:
            problems.append(
                Problem(
                    f"{path}.id",
                    f"deux autorités signataires ont l'identifiant « {authority.key} » : donner "
                    "à chacune un « id » distinct",
                )
            )
        seen.add(authority.key)
        if not authority.name.strip():
            problems.append(Problem(f"{path}.name", "le nom de l'autorité est vide"))
    return problems


def _perimeter_problems(terms: ContractTerms) -> list[Problem]:
    problems: list[Problem] = []
    keys = {authority.key for authority in terms.authorities}
    seen: set[str] = set()
    for index, establishment in enumerate(terms.establishments):
        path = f"establishments[{index}]"
        if (problem := finess_problem(establishment.finess)) is not None:
            problems.append(Problem(f"{path}.finess", problem))
        elif establishment.finess in seen:
            problems.append(
                Problem(
                    f"{path}.finess",
                    f"l'établissement FINESS {establishment.finess} figure deux fois au périmètre",
                )
            )
        seen.add(establishment.finess)
        if not establishment.name.strip():
            problems.append(Problem(f"{path}.name", "le nom de l'établissement est vide"))
        for name in ("name", "category", "authorisation"):
            if (problem := text_problem(getattr(establishment, name))) is not None:
                problems.append(Problem(f"{path}.{name}", problem))
        for funder in establishment.funded_by:
            if funder not in keys:
                problems.append(
                    Problem(
                        f"{path}.funded_by",
                        f"« {funder} » n'est pas une autorité signataire ; autorités : "
                        f"{', '.join(sorted(keys))}",
                    )
                )
    return problems


def _party_problems(terms: ContractTerms) -> list[Problem]:
    problems: list[Problem] = []
    if not _REFERENCE.fullmatch(terms.reference):
        problems.append(
            Problem(
                "reference",
                f"« {terms.reference} » : 1 à 80 caractères parmi lettres, chiffres, « . », "
                "« _ » et « - », en commençant par une lettre ou un chiffre",
            )
        )
    for path, authority in _authority_paths(terms):
        problems.extend(_authority_problems(path, authority))
    gestionnaire = terms.gestionnaire
    if not gestionnaire.raison_sociale.strip():
        problems.append(Problem("gestionnaire.raison_sociale", "la raison sociale est vide"))
    if (problem := text_problem(gestionnaire.raison_sociale)) is not None:
        problems.append(Problem("gestionnaire.raison_sociale", problem))
    checks = (
        ("gestionnaire.email", gestionnaire.email, email_problem),
        ("gestionnaire.finess", gestionnaire.finess, finess_problem),
        ("gestionnaire.siren", gestionnaire.siren, siren_problem),
        ("gestionnaire.siret", gestionnaire.siret, siret_problem),
    )
    for name, value, check in checks:
        if value is not None and (problem := check(value)) is not None:
            problems.append(Problem(name, problem))
    if (
        gestionnaire.siren
        and gestionnaire.siret
        and not gestionnaire.siret.startswith(gestionnaire.siren)
    ):
        problems.append(
            Problem("gestionnaire.siret", "le SIRET ne commence pas par le SIREN indiqué")
        )
    return problems


def name_length_problems(terms: ContractTerms) -> list[Problem]:
    """Names longer than `MAX_NAME_LENGTH`: refused where terms come in (the API, an import), not
    in `check_terms`, which running contracts' decisions call on the terms they hold."""
    names = [(f"{path}.name", authority.name) for path, authority in _authority_paths(terms)]
    names.append(("gestionnaire.raison_sociale", terms.gestionnaire.raison_sociale))
    names += [
        (f"establishments[{index}].name", establishment.name)
        for index, establishment in enumerate(terms.establishments)
    ]
    return [
        Problem(
            field,
            f"trop long : {len(name)} caractères, {MAX_NAME_LENGTH} au plus",
        )
        for field, name in names
        if len(name) > MAX_NAME_LENGTH
    ]


def _date_problems(terms: ContractTerms) -> list[Problem]:
    problems: list[Problem] = []
    years = terms.duration_years
    if not MIN_YEARS <= years <= MAX_INITIAL_YEARS:
        problems.append(
            Problem(
                "duration_years",
                f"{years} an{'s' if abs(years) >= 2 else ''} impossible : un CPOM est conclu "
                "pour 2 ans au moins et 5 ans au "
                "plus (CASF art. L. 313-11)",
            )
        )
    elif terms.echeance != echeance_after(terms.effet, years):
        problems.append(
            Problem(
                "echeance",
                f"l'échéance d'un contrat de {years} ans prenant effet le "
                f"{terms.effet:%d/%m/%Y} est le {echeance_after(terms.effet, years):%d/%m/%Y}",
            )
        )
    if terms.process_started_on and terms.process_started_on > terms.effet:
        problems.append(
            Problem("process_started_on", "la démarche ne peut commencer après la date d'effet")
        )
    if terms.signed_on and not terms.signed:
        problems.append(Problem("signed_on", "une date de signature suppose un contrat signé"))
    problems.extend(_prorogation_problems(terms))
    return problems


def _prorogation_problems(terms: ContractTerms) -> list[Problem]:
    problems: list[Problem] = []
    previous = terms.echeance
    # A total duration out of range is reported by _rules_problems; no cap can be dated from it.
    cap = terms.echeance_max if 0 < terms.rules.max_total_years <= MAX_TOTAL_YEARS else None
    for index, prorogation in enumerate(terms.prorogations):
        name = f"prorogations[{index}]"
        if prorogation.new_echeance <= previous:
            problems.append(
                Problem(
                    name,
                    "la nouvelle échéance doit être postérieure à l'échéance en cours "
                    f"({previous:%d/%m/%Y})",
                )
            )
        if cap is not None and prorogation.new_echeance > cap:
            problems.append(
                Problem(
                    name,
                    f"prorogation jusqu'au {prorogation.new_echeance:%d/%m/%Y} refusée : la durée "
                    f"totale est limitée à {terms.rules.max_total_years} ans, soit le "
                    f"{cap:%d/%m/%Y} au plus tard",
                )
            )
        if not prorogation.notice_received_on <= prorogation.accepted_on <= previous:
            problems.append(
                Problem(
                    name, "l'acceptation suit la réception de la notification et précède l'échéance"
                )
            )
        previous = prorogation.new_echeance
    return problems


def problems_of(terms: ContractTerms) -> list[Problem]:
    """Every rule the terms break; an empty list means they are valid."""
    return (
        _party_problems(terms)
        + _signatory_problems(terms)
        + _perimeter_problems(terms)
        + _date_problems(terms)
        + _rules_problems(terms.rules, terms.duration_years)
    )


def check_terms(terms: ContractTerms) -> ContractTerms:
    """Return the terms unchanged, or raise InvalidTerms listing every broken rule."""
    problems = problems_of(terms)
    if problems:
        raise InvalidTerms(problems)
    return terms


def warnings_of(terms: ContractTerms) -> list[str]:
    """Valid but unusual terms, worth a second look."""
    warnings: list[str] = []
    if terms.duration_years < RECOMMENDED_MIN_YEARS:
        warnings.append(
            "durée inférieure à 3 ans : il est recommandé de conclure le contrat pour au moins "
            "3 ans"
        )
    rules = terms.rules
    if rules.prorogation_reply_months not in (1, 2):
        warnings.append(
            f"délai de réponse de {rules.prorogation_reply_months} mois : les contrats types "
            "prévoient 1 ou 2 mois"
        )
    settlement = {
        DotationSchedule.ADVANCE_BALANCE: rules.dotation_balance_due,
        DotationSchedule.SINGLE_PLUS_REGULARISATION: rules.dotation_regularisation_due,
    }.get(rules.dotation_schedule)
    documents = rules.annual_documents_due
    if (
        settlement is not None
        and rules.annual_documents_year_offset == 1
        and (settlement.month, settlement.day) <= (documents.month, documents.day)
    ):
        warnings.append(
            f"le solde de la dotation complémentaire ({settlement}) ne vient pas après les "
            f"documents annuels ({documents}) : la régularisation ne pourra pas s'appuyer sur "
            "eux"
        )
    if terms.prorogations and terms.prorogations[-1].new_echeance == terms.echeance_max:
        warnings.append("durée totale de 6 ans atteinte : aucune nouvelle prorogation possible")
    return warnings


def prorogue(terms: ContractTerms, prorogation: Prorogation) -> ContractTerms:
    """The terms carried on to the prorogation's new échéance, refused beyond the 6-year cap."""
    return check_terms(replace(terms, prorogations=(*terms.prorogations, prorogation)))
