"""``GET /healthz``."""

from fastapi import APIRouter

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """Liveness: 200 while the server serves."""
    return {"status": "ok"}
