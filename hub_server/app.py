"""``create_app(settings)``: the env server, wired from its routers."""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import AsyncIterator

from fastapi import FastAPI

import skillgym
from skillgym.envs.core.tasks import TaskCatalog, default_task_roots
from skillgym.hub_server.auth import TokenAuthMiddleware
from skillgym.hub_server.body_limit import BodyLimitMiddleware
from skillgym.hub_server.errors import InternalErrorMiddleware, install_error_handlers
from skillgym.hub_server.openapi import refine_openapi
from skillgym.hub_server.recorder import RunRecorder
from skillgym.hub_server.routes import (
    envs,
    health,
    openenv_compat,
    pages,
    runs,
    scores,
    session_ws,
    sessions,
    tasks,
)
from skillgym.hub_server.scores.hub import Hub
from skillgym.hub_server.sessions import SessionManager
from skillgym.hub_server.settings import ServerSettings

ROUTERS = (sessions, session_ws, envs, scores, tasks, runs, health, openenv_compat, pages)


def create_app(settings: ServerSettings | None = None) -> FastAPI:
    """Build the server for ``settings`` (defaults, or ``SKILLGYM_*`` variables).

    Example:
        >>> app = create_app(ServerSettings(max_sessions=16))
        >>> app.title
        'SkillGym'
    """
    settings = settings or ServerSettings()
    roots = default_task_roots(settings.tasks_dir or [])
    catalog = TaskCatalog.load(*roots)
    hub = Hub.open(settings)
    manager = SessionManager(settings, catalog, RunRecorder(hub))

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        reaper = asyncio.create_task(manager.reap_forever(), name="skillgym-reaper")
        # What start-up made (the catalogue, the families, the ORM) lives as long as the
        # server: out of the collector's sight, a full collection stops taking ~50 ms.
        gc.freeze()
        try:
            yield
        finally:
            reaper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reaper
            await manager.close_all()
            if hub is not None:
                hub.close()

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
    app.state.hub = hub
    app.state.task_roots = roots
    install_error_handlers(app)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(
        TokenAuthMiddleware, settings=settings, tokens=hub.tokens if hub is not None else None
    )
    refine_openapi(app, sessions_need_token=settings.sessions_need_token)
    app.add_middleware(InternalErrorMiddleware)  # last added: outermost of ours
    return app
