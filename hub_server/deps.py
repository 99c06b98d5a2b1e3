"""Dependency aliases that keep route handlers short."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import Depends
from starlette.requests import HTTPConnection

from skillgym.envs.core.errors import RunNotFoundError
from skillgym.envs.core.tasks import TaskCatalog
from skillgym.hub_server.scores.hub import Hub
from skillgym.hub_server.scores.tokens import Principal
from skillgym.hub_server.sessions import SessionManager


# async so FastAPI calls them on the loop: a plain def costs a thread-pool hop per request.
async def _sessions(conn: HTTPConnection) -> SessionManager:
    return conn.app.state.sessions


async def _catalog(conn: HTTPConnection) -> TaskCatalog:
    return conn.app.state.sessions.catalog


SessionsDep = Annotated[SessionManager, Depends(_sessions)]
CatalogDep = Annotated[TaskCatalog, Depends(_catalog)]


async def _hub(conn: HTTPConnection) -> Hub:
    hub: Hub | None = conn.app.state.hub
    if hub is None:
        raise RunNotFoundError(
            "This server keeps no scores (started with database_url none); "
            "runs and the leaderboard live on a hub."
        )
    return hub


async def _principal(conn: HTTPConnection) -> Principal | None:
    return getattr(conn.state, "principal", None)


async def _task_roots(conn: HTTPConnection) -> list[Path]:
    return conn.app.state.task_roots


HubDep = Annotated[Hub, Depends(_hub)]
TaskRootsDep = Annotated[list[Path], Depends(_task_roots)]
PrincipalDep = Annotated[Principal | None, Depends(_principal)]
