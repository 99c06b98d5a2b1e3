"""``GET /healthz``."""

from fastapi import APIRouter

from skillgym.envs.core.protocol import StatusPublic

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> StatusPublic:
    """Liveness: 200 while the server serves."""
    return StatusPublic(status="ok")
