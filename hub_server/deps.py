"""Dependency aliases that keep route handlers short."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from starlette.requests import HTTPConnection

from skillgym.envs.core.tasks import TaskCatalog
from skillgym.hub_server.sessions import SessionManager


# async so FastAPI calls them on the loop: a plain def costs a thread-pool hop per request.
async def _sessions(conn: HTTPConnection) -> SessionManager:
    return conn.app.state.sessions


async def _catalog(conn: HTTPConnection) -> TaskCatalog:
    return conn.app.state.sessions.catalog


SessionsDep = Annotated[SessionManager, Depends(_sessions)]
CatalogDep = Annotated[TaskCatalog, Depends(_catalog)]
