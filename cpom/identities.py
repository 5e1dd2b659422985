"""Who signs for each party, and where: what documents print beside the contract's terms.

Empty by default: a document then leaves a blank for the city and the signatory's name and
title, to be filled in by hand. A later change fills it from each authority's configuration.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Signatory:
    """« Mme Claire Martin », « Présidente du conseil départemental »."""

    name: str = ""
    title: str = ""


@dataclass(frozen=True, slots=True)
class AuthorityIdentity:
    signatory: Signatory = Signatory()
    # Where its acts are made: « Fait à Rennes, le … ».
    city: str = ""
    service: str = ""
    # The court its decisions are contested before: « le tribunal administratif de Rennes ».
    court: str = ""


@dataclass(frozen=True, slots=True)
class Identities:
    # By `Authority.key`.
    authorities: dict[str, AuthorityIdentity] = field(default_factory=dict)
    # By the gestionnaire's SIREN.
    gestionnaires: dict[str, Signatory] = field(default_factory=dict)

    def authority(self, key: str) -> AuthorityIdentity:
        return self.authorities.get(key, AuthorityIdentity())

    def gestionnaire(self, siren: str | None) -> Signatory:
        return self.gestionnaires.get(siren or "", Signatory())
