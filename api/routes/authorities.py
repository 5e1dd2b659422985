"""Each authority's identity as documents and notices use it: from the configuration file, or
as a supervisor last edited it through the API (`cpom.identity_overrides`)."""

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Request

from api.deps import PrincipalDep, ServiceDep
from api.schemas import AuthorityIdentityOut, Problem, SignatoryOut
from cpom import identity_overrides
from cpom.access import MAX_AUTHORITY_KEY_LENGTH, Principal, Role
from cpom.identities import (
    AuthorityIdentity,
    Identities,
    InvalidAuthorityIdentity,
    parse_authority,
)
from cpom.service import Forbidden

router = APIRouter(tags=["autorités"])
KeyPath = Annotated[
    str,
    Path(
        min_length=1,
        max_length=MAX_AUTHORITY_KEY_LENGTH,
        pattern=r"^\S+$",
        description="Identifiant de l'autorité, celui des termes (`id`, ou sa nature).",
    ),
]


def shown(key: str, identity: AuthorityIdentity) -> AuthorityIdentityOut:
    return AuthorityIdentityOut(
        key=key,
        service=identity.service,
        address=identity.address,
        city=identity.city,
        sender=identity.sender,
        contact=identity.contact,
        phone=identity.phone,
        court=identity.court,
        signatory=SignatoryOut(name=identity.signatory.name, title=identity.signatory.title),
        logo=identity.logo is not None,
        article=identity.article,
        hierarchical_superior=identity.hierarchical_superior,
    )


def _identities(request: Request, service: ServiceDep) -> identity_overrides.WithOverrides:
    from_file: Identities = request.app.state.identities
    return identity_overrides.with_overrides(from_file, service.engine)


@router.get(
    "/authorities",
    response_model=list[AuthorityIdentityOut],
    summary="Identité des autorités : service, adresse, expéditeur, signataire",
)
def authorities(
    request: Request, service: ServiceDep, principal: PrincipalDep
) -> list[AuthorityIdentityOut]:
    """L'identité de chaque autorité telle que les documents et les avis l'emploient : service,
    adresse, ville du « Fait à », expéditeur des avis, contact, tribunal des voies de recours,
    signataire, article du nom et autorité du recours hiérarchique. Elle vient du fichier
    CPOM_AUTHORITIES_FILE, lu au démarrage, ou de sa dernière modification par
    `PUT /authorities/{key}` ; une autorité absente des deux laisse ces mentions à compléter à
    la main. Un jeton rattaché à une autorité ne lit que la sienne."""
    identities = _identities(request, service)
    keys = set(identities.authorities) | identity_overrides.stored_keys(service.engine)
    scope = principal.authority_scope
    return [
        shown(key, identities.authority(key))
        for key in sorted(keys)
        if scope is None or key == scope
    ]


def may_edit(principal: Principal, key: str) -> None:
    if principal.role is not Role.SUPERVISOR:
        raise Forbidden("seuls les superviseurs modifient l'identité d'une autorité")
    if principal.authority_scope not in (None, key):
        raise Forbidden(
            f"un superviseur de l'autorité « {principal.authority_scope} » ne modifie que "
            "l'identité de celle-ci"
        )


@router.put(
    "/authorities/{key}",
    response_model=AuthorityIdentityOut,
    summary="Modifier l'identité d'une autorité",
    responses={
        403: {"model": Problem, "description": "Réservé aux superviseurs (de cette autorité)."},
        422: {"model": Problem, "description": "Identité invalide, chaque problème nommé."},
    },
)
async def edit_authority(
    key: KeyPath,
    request: Request,
    service: ServiceDep,
    principal: PrincipalDep,
    fields: Annotated[
        dict[str, Any],
        Body(
            description="Les champs d'une table `[authorities.KEY]` du fichier, logo excepté : "
            "`service`, `address`, `city`, `sender`, `contact`, `phone`, `court`, `signatory` "
            "(`name`, `title`), `article`, `hierarchical_superior`. Un champ absent est laissé "
            "vide ; `article` et `hierarchical_superior` absents valent ceux de la nature de "
            "l'autorité.",
            examples=[
                {
                    "service": "Direction de l'autonomie",
                    "sender": "Direction de l'autonomie <cpom@ille-et-vilaine.fr>",
                    "signatory": {"name": "Mme Claire Martin", "title": "Présidente"},
                }
            ],
        ),
    ],
) -> AuthorityIdentityOut:
    """Remplace l'identité de l'autorité (son entrée du fichier CPOM_AUTHORITIES_FILE, logo
    excepté, qui reste celui du fichier) : les documents et les avis faits ensuite l'emploient,
    dans chaque processus. Réservé aux superviseurs nationaux et à ceux de cette autorité ; les
    champs sont vérifiés comme ceux du fichier, avec les mêmes messages (422)."""
    may_edit(principal, key)
    identity, problems = parse_authority(key, fields)
    if problems:
        raise InvalidAuthorityIdentity(problems)
    actor = principal.actor
    await asyncio.to_thread(identity_overrides.store, service.engine, key, identity, actor)
    stored = await asyncio.to_thread(_identities(request, service).authority, key)
    return shown(key, stored)
