"""Clients for SkillGym servers: ``RemoteEnv`` (sync) and ``AsyncRemoteEnv`` (asyncio).

Installed by a bare ``pip install skillgym``; nothing here needs the server's packages.
"""

from skillgym.clients.async_remote_env import AsyncRemoteEnv
from skillgym.clients.config import DEFAULT_RETRY, DEFAULT_TIMEOUT, NO_RETRY, RetryPolicy, Timeout
from skillgym.clients.remote_env import RemoteEnv

__all__ = [
    "DEFAULT_RETRY",
    "DEFAULT_TIMEOUT",
    "NO_RETRY",
    "AsyncRemoteEnv",
    "RemoteEnv",
    "RetryPolicy",
    "Timeout",
]
