"""Each authority's identity as documents and notices use it, from the configuration file."""

from fastapi import APIRouter, Request

from api.deps import PrincipalDep
from api.schemas import AuthorityIdentityOut, SignatoryOut
from cpom.identities import Identities

router = APIRouter()


@router.get(
    "/authorities",
    response_model=list[AuthorityIdentityOut],
    summary="Identité des autorités : service, adresse, expéditeur, signataire",
    tags=["autorités"],
)
async def authorities(request: Request, principal: PrincipalDep) -> list[AuthorityIdentityOut]:
    """L'identité de chaque autorité telle que les documents et les avis l'emploient : service,
    adresse, ville du « Fait à », expéditeur des avis, contact, tribunal des voies de recours,
    signataire, article du nom et autorité du recours hiérarchique. Elle vient du fichier
    CPOM_AUTHORITIES_FILE, lu au démarrage ; une autorité absente du fichier laisse ces mentions
    à compléter à la main."""
    identities: Identities = request.app.state.identities
    return [
        AuthorityIdentityOut(
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
        for key, identity in sorted(identities.authorities.items())
    ]
