"""`/readyz`: whether this API process can serve everything, for a load balancer or an
orchestrator (cpom/readiness.py); `/healthz` (routes/portfolio.py) says it is alive."""

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.deps import ServiceDep
from api.schemas import ReadinessReport

router = APIRouter()


@router.get(
    "/readyz",
    response_model=ReadinessReport,
    summary="Service prêt",
    tags=["service"],
    responses={503: {"model": ReadinessReport, "description": "Il manque quelque chose."}},
)
async def readyz(service: ServiceDep) -> JSONResponse:
    """Répond 200 quand la base de données répond, que Temporal répond et qu'au moins un worker
    écoute la file de tâches ; 503 sinon, en nommant ce qui manque. Chaque contrôle attend 2 s
    au plus ; un worker arrêté depuis moins de deux minutes compte encore."""
    readiness = await service.readiness()
    report = ReadinessReport(
        status="prêt" if readiness.ready else "pas prêt",
        manque=readiness.missing,
        workers=readiness.temporal.workers,
        detail=readiness.details,
    )
    return JSONResponse(report.model_dump(), 200 if readiness.ready else 503)
