"""The parts every official document has, built from the terms, the facts and who signs: the
parties with their identifiers, the visas, the express answers, the signature blocks and the
number of originals. The templates lay them out; the words of law come from `legal_basis`."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from markupsafe import Markup

from cpom import french_articles
from cpom.domain import legal_basis as legal
from cpom.domain.agenda import DocumentKind
from cpom.domain.lifecycle import Party
from cpom.domain.terms import AUTHORITY_ROLE_LABELS, Authority, ContractTerms
from cpom.french_articles import Named
from cpom.french_dates import fact_date, long_date
from cpom.identities import Identities, Signatory

NBSP = "\u00a0"

AUTHORITY_LABELS = {
    "departement": "Département",
    "ars": "Agence régionale de santé",
    "etat": "Préfecture (État)",
}
_NUMBERS = {1: "un", 2: "deux", 3: "trois", 4: "quatre", 5: "cinq", 6: "six", 7: "sept"}


@dataclass(frozen=True, slots=True)
class PartyView:
    """A signatory of the contract as a document names it."""

    key: str
    name: str
    role: str
    identifiers: tuple[str, ...]
    signatory: Signatory
    # The article of its name: « le » Département, « la » Préfecture, none for a company.
    article: str = ""
    # Its hierarchical superior, with the article; "" for none (or the gestionnaire).
    superior: str = ""

    @property
    def the(self) -> str:
        """« le Département d'Ille-et-Vilaine », « l'ARS Bretagne »."""
        return french_articles.with_article(self.name, self.article)

    @property
    def of(self) -> str:
        """« du Département d'Ille-et-Vilaine », « de l'ARS Bretagne »."""
        return french_articles.of(self.the)


@dataclass(frozen=True, slots=True)
class Dated:
    """Something a party did on a day: an express accord, an approval."""

    party: PartyView
    on: date


def enumeration(items: list[str], conjunction: str = "et") -> str:
    """« A », « A et B », « A, B et C » (or « A, B ou C »)."""
    if len(items) < 2:
        return "".join(items)
    return f" {conjunction} ".join([", ".join(items[:-1]), items[-1]])


@dataclass(frozen=True, slots=True)
class Appeal:
    """How an act of the authorities is contested: `ways` lists the recours, « par un recours
    gracieux auprès du Département …, par un recours hiérarchique auprès du ministre … ou par un
    recours contentieux devant le tribunal administratif de … »; `administrative` names the
    recours that prolong the time to go to court (« Le recours gracieux ou hiérarchique »)."""

    ways: str
    administrative: str
    court: str


# Where no identity names the court: the one of the place, as the code de justice
# administrative (R. 312-1 and following) says.
ANY_COURT = "le tribunal administratif territorialement compétent"


def appeal(authors: list[PartyView], court: str) -> Appeal:
    """The recours against an act of `authors`: gracieux before each of them, hiérarchique
    before the superior of those that have one, contentieux before `court`."""
    court = court or ANY_COURT
    ways = ["par un recours gracieux auprès " + " ou ".join(a.of for a in authors)]
    for author in (a for a in authors if a.superior):
        # Several authors: whose decision the superior reviews.
        whose = f" (pour ce qui relève {author.of})" if len(authors) > 1 else ""
        ways.append(
            f"par un recours hiérarchique auprès {french_articles.of(author.superior)}{whose}"
        )
    ways.append(f"par un recours contentieux devant {court}")
    hierarchical = any(a.superior for a in authors)
    return Appeal(
        enumeration(ways, "ou"),
        "Le recours gracieux ou hiérarchique" if hierarchical else "Le recours gracieux",
        court,
    )


def authority_name(authority: Authority) -> str:
    return authority.name or AUTHORITY_LABELS[authority.kind.value]


def named_authority(authority: Authority, identities: Identities) -> Named:
    """The authority's name with its article, as its identity or its kind says it."""
    name = authority_name(authority)
    article = identities.authority(authority.key).article_for(authority.kind, name)
    return Named(name, article)


def in_words(number: int) -> str:
    return _NUMBERS.get(number, str(number))


def siren(number: str) -> str:
    return f"SIREN {number[:3]}{NBSP}{number[3:6]}{NBSP}{number[6:]}"


def parties(terms: ContractTerms, identities: Identities) -> list[PartyView]:
    """Every signatory of the contract: each authority, the lead one first, then the
    gestionnaire."""
    views = [
        PartyView(
            a.key,
            authority_name(a),
            AUTHORITY_ROLE_LABELS[a.role],
            (siren(a.siren),) if a.siren else (),
            identities.authority(a.key).signatory,
            identities.authority(a.key).article_for(a.kind, authority_name(a)),
            identities.authority(a.key).superior_for(a.kind),
        )
        for a in terms.authorities
    ]
    g = terms.gestionnaire
    identifiers = [siren(g.siren)] if g.siren else []
    if g.finess:
        identifiers.append(f"FINESS juridique {g.finess}")
    views.append(
        PartyView(
            Party.GESTIONNAIRE.value,
            g.raison_sociale,
            "organisme gestionnaire",
            tuple(identifiers),
            identities.gestionnaire(g.siren),
            identities.gestionnaire_article(g.siren),
        )
    )
    return views


def party(views: list[PartyView], key: str) -> PartyView:
    """The party a fact names: an authority by its key, `autorite` for the lead authority."""
    if key == Party.AUTORITE.value:
        return views[0]
    return next((v for v in views if v.key == key), views[0])


def dated(views: list[PartyView], lines: str) -> list[Dated]:
    """`who=JJ/MM/AAAA` lines (express accords, approvals) with their parties."""
    items = []
    for line in filter(None, lines.split("\n")):
        key, _, day = line.partition("=")
        items.append(Dated(party(views, key), fact_date(day)))
    return items


def answering(views: list[PartyView], requested_by: str) -> list[PartyView]:
    """Who must answer a request for a prorogation: the other party, every authority when the
    gestionnaire asked, every other signatory when one of several authorities asked."""
    if requested_by == Party.AUTORITE.value:
        return views[-1:]
    if requested_by == Party.GESTIONNAIRE.value:
        return views[:-1]
    return [view for view in views if view.key != requested_by]


def _articles(citation: str, code: str) -> list[str]:
    numbers = citation.removeprefix(f"{code} art. ")
    return [n.replace(" ", NBSP) for n in numbers.split(" et ")]


def _code(name: str, articles: list[str]) -> str:
    if len(articles) == 1:
        return f"Vu le {name}, notamment son article {articles[0]}"
    return f"Vu le {name}, notamment ses articles {', '.join(articles[:-1])} et {articles[-1]}"


def _article(article: str) -> str:
    """« art. 12 » as « article 12 », kept on one line; « point V.2 » as it is."""
    if article.startswith("art. "):
        return f"article{NBSP}{article.removeprefix('art. ')}"
    return article.replace(" ", NBSP)


def _clause(article: str, name: str) -> str:
    """The contract's own article (« son article 12 »), or its clause by name."""
    return f"son {_article(article)}" if article else f"sa clause {name}"


def contract_clause(article: str, name: str) -> str:
    """« l'article 12 du contrat », « le point V.2 du contrat », or the clause by name."""
    if not article:
        return f"la clause {name} du contrat"
    words = _article(article)
    return f"l'{words} du contrat" if words.startswith("article") else f"le {words} du contrat"


def contract_visa(terms: ContractTerms, article: str, clause_name: str) -> str:
    signed = f"signé le {long_date(terms.signed_on)} et " if terms.signed_on else ""
    return (
        f"Vu le contrat pluriannuel d'objectifs et de moyens n°{NBSP}{terms.reference}, "
        f"{signed}ayant pris effet le {long_date(terms.effet)}, notamment "
        f"{_clause(article, clause_name)}"
    )


def visas(
    kind: DocumentKind, terms: ContractTerms, facts: dict[str, str], views: list[PartyView]
) -> list[str]:
    """What the document rests on, as French acts list them, each ending its line."""
    rules = terms.rules
    if kind is DocumentKind.RELEVE_DE_DECISIONS:
        items = [
            _code("code de l'action sociale et des familles", _cpom_articles(terms, False)),
            contract_visa(terms, rules.article_follow_up, "de suivi et d'évaluation"),
            f"Vu le dialogue de gestion tenu le {long_date(fact_date(facts['held_on']))}",
        ]
        return [f"{item} ;" for item in items]
    items = [_code("code de l'action sociale et des familles", _cpom_articles(terms, True))]
    if kind is DocumentKind.ATTESTATION_ACCEPTATION_TACITE:
        items.append(_code("code de procédure civile", _articles(legal.CPC_DEADLINE_TO_ACT, "CPC")))
    items.append(contract_visa(terms, rules.article_prorogation, "de prorogation"))
    if "signed_on" in facts:
        items.append(f"Vu l'accord des parties du {long_date(fact_date(facts['signed_on']))}")
    else:
        received = long_date(fact_date(facts["notice_received_on"]))
        asked = facts.get("requested_by")
        by = f" présentée par {party(views, asked).the}" if asked else ""
        items.append(f"Vu la demande de prorogation{by}, reçue le {received}")
        items += [
            f"Vu l'accord exprès donné par {d.party.the} le {long_date(d.on)}"
            for d in dated(views, facts.get("accepted_by", ""))
        ]
    return [f"{item} ;" for item in items]


def _cpom_articles(terms: ContractTerms, duration: bool) -> list[str]:
    citations = [legal.CPOM_DURATION] if duration else []
    citations.append(legal.CPOM_LAW[terms.sector])
    return [a for c in citations for a in _articles(c, "CASF")]


def _reply_deadline(facts: dict[str, str]) -> date | None:
    """The last day of the reply window; a tacit acceptance is acquired the day after it."""
    if "reply_deadline" in facts:
        return fact_date(facts["reply_deadline"])
    if facts.get("tacit") == "oui":
        return fact_date(facts["accepted_on"]) - timedelta(days=1)
    return None


_IMAGE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}


def _data_uri(path: Path) -> Markup:
    """The logo inside the document itself: the PDF and the HTML kept beside it both show it,
    whatever becomes of the file afterwards. Markup: its characters are base64's, safe in an
    attribute."""
    kind = _IMAGE_TYPES.get(path.suffix.lower(), "image/svg+xml")
    return Markup(f"data:{kind};base64,{base64.b64encode(path.read_bytes()).decode()}")


def document_context(
    kind: DocumentKind, terms: ContractTerms, facts: dict[str, str], identities: Identities
) -> dict[str, Any]:
    """What the templates of documents lay out beside the terms and the facts."""
    views = parties(terms, identities)
    lead = identities.authority(terms.authority.key)
    asked = facts.get("requested_by")
    accepted = dated(views, facts.get("accepted_by", ""))
    expressly = {d.party.key for d in accepted}
    # Whose silence counted: those who had to answer and did not, expressly.
    silent = [v for v in answering(views, asked) if v.key not in expressly] if asked else []
    return {
        "author": views[0].name,
        "parties": views,
        "authorities": views[:-1],
        "gestionnaire": views[-1],
        "visas": visas(kind, terms, facts, views),
        "requester": party(views, asked) if asked else None,
        "accepted": accepted,
        "accepted_words": enumeration([f"{d.party.the} le {long_date(d.on)}" for d in accepted]),
        "silent": silent,
        "silent_words": enumeration([v.the for v in silent]),
        "reply_deadline": _reply_deadline(facts),
        "approvals": dated(views, facts.get("approvals", "")),
        "city": lead.city,
        "appeal": appeal(views[:-1], lead.court),
        "court": lead.court or ANY_COURT,
        "service": lead.service,
        "address": lead.address.splitlines(),
        "logo": _data_uri(lead.logo) if lead.logo else None,
        "originals": in_words(len(views)),
        "prorogation_clause": contract_clause(terms.rules.article_prorogation, "de prorogation"),
        "follow_up_clause": contract_clause(
            terms.rules.article_follow_up, "de suivi et d'évaluation"
        ),
        "max_years": in_words(terms.rules.max_total_years),
        "reply_months": in_words(terms.rules.prorogation_reply_months),
    }
