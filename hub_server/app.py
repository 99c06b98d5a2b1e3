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
from skillgym.hub_server.families import served_families, served_family
from skillgym.hub_server.openapi import refine_openapi
from skillgym.hub_server.recorder import RunRecorder
from skillgym.hub_server.replica_sessions import ReplicaSessions
from skillgym.hub_server.replicas import ReplicaPool, make_provider
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


def replica_sessions(settings: ServerSettings) -> ReplicaSessions | None:
    """The pool of replicas the settings ask for (started with the server), or None."""
    if settings.replica_provider == "none":
        return None
    families = settings.replica_families or served_families(settings)
    for family in families:
        served_family(settings, family)
    provider = make_provider(settings.replica_provider, tasks_dirs=settings.tasks_dir or [])
    pool = ReplicaPool(
        provider,
        settings.replicas_per_family,
        check_interval_s=settings.replica_check_interval_s,
    )
    return ReplicaSessions(pool, families)


def create_app(settings: ServerSettings | None = None) -> FastAPI:
    """Build the server for ``settings`` (defaults, or ``SKILLGYM_*`` variables).

    Example:
        >>> app = create_app(ServerSettings(max_sessions=16))
        >>> app.title
        'SkillGym'
    """
    settings = settings or ServerSettings()
    served_families(settings)  # a family nobody installed fails now, not at the first session
    roots = default_task_roots(settings.tasks_dir or [])
    catalog = TaskCatalog.load(*roots)
    hub = Hub.open(settings)
    replicas = replica_sessions(settings)
    manager = SessionManager(settings, catalog, RunRecorder(hub), replicas)

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        background = [asyncio.create_task(manager.reap_forever(), name="skillgym-reaper")]
        if replicas is not None:
            try:
                await asyncio.to_thread(replicas.start)
            except BaseException:
                await replicas.stop()
                raise
            background.append(
                asyncio.create_task(replicas.watch(manager), name="skillgym-replicas")
            )
        # What start-up made (the catalogue, the families, the ORM) lives as long as the
        # server: out of the collector's sight, a full collection stops taking ~50 ms.
        gc.freeze()
        try:
            yield
        finally:
            for task in background:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await manager.close_all()
            if replicas is not None:
                await replicas.stop()
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
    app.state.replicas = replicas
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
