"""``create_app(settings)``: the env server, wired from its routers."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from fastapi import FastAPI

import skillgym
from skillgym.envs.core.tasks import TaskCatalog, default_task_roots
from skillgym.hub_server.auth import TokenAuthMiddleware
from skillgym.hub_server.body_limit import BodyLimitMiddleware
from skillgym.hub_server.errors import InternalErrorMiddleware, install_error_handlers
from skillgym.hub_server.openapi import refine_openapi
from skillgym.hub_server.routes import envs, health, openenv_compat, session_ws, sessions, tasks
from skillgym.hub_server.sessions import SessionManager
from skillgym.hub_server.settings import ServerSettings

ROUTERS = (sessions, session_ws, envs, tasks, health, openenv_compat)


def create_app(settings: ServerSettings | None = None) -> FastAPI:
    """Build the server for ``settings`` (defaults, or ``SKILLGYM_*`` variables).

    Example:
        >>> app = create_app(ServerSettings(max_sessions=16))
        >>> app.title
        'SkillGym'
    """
    settings = settings or ServerSettings()
    catalog = TaskCatalog.load(*default_task_roots(settings.tasks_dir or []))
    manager = SessionManager(settings, catalog)

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        reaper = asyncio.create_task(manager.reap_forever(), name="skillgym-reaper")
        try:
            yield
        finally:
            reaper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reaper
            await manager.close_all()

    app = FastAPI(
        title="SkillGym",
        version=skillgym.__version__,
        summary="Verifiable RL environments for LLM agents, over HTTP and WebSocket.",
        lifespan=lifespan,
        # FastAPI's native OpenTelemetry looks up the global providers on every request,
        # an eighth of the server's instructions per step; SkillGym configures none.
        telemetry={"tracing": False, "metrics": False, "logs": False},
        # The routers' routes themselves, hot ones first: include_router() would wrap
        # each router in a layer that matches every request twice.
        routes=[route for module in ROUTERS for route in module.router.routes],
    )
    app.state.sessions = manager
    install_error_handlers(app)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    if settings.api_token is not None:
        app.add_middleware(TokenAuthMiddleware, token=settings.api_token.get_secret_value())
    refine_openapi(app, token_required=settings.api_token is not None)
    app.add_middleware(InternalErrorMiddleware)  # last added: outermost of ours
    return app
