"""Clients for SkillGym servers: ``RemoteEnv`` (sync) and ``AsyncRemoteEnv`` (asyncio).

Installed by a bare ``pip install skillgym``; nothing here needs the server's packages.
``AsyncRemoteEnv`` is imported on first use, so sync code never loads aiohttp.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from skillgym.clients.config import DEFAULT_TIMEOUT, Timeout
from skillgym.clients.remote_env import RemoteEnv
from skillgym.clients.retry import DEFAULT_RETRY, NO_RETRY, RetryPolicy

if TYPE_CHECKING:
    from skillgym.clients.async_remote_env import AsyncRemoteEnv

__all__ = [
    "DEFAULT_RETRY",
    "DEFAULT_TIMEOUT",
    "NO_RETRY",
    "AsyncRemoteEnv",
    "RemoteEnv",
    "RetryPolicy",
    "Timeout",
]


def __getattr__(name: str) -> Any:
    if name == "AsyncRemoteEnv":
        from skillgym.clients.async_remote_env import AsyncRemoteEnv

        return AsyncRemoteEnv
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
