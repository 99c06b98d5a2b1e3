"""``skillgym.make_env``: an environment in this process, or the same one over HTTP.

The one place that chooses between the core and the client, so the core never imports
the client.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym

from skillgym.envs.core.registry import make_local_env


def make_env(
    family: str, *, task: str | None = None, base_url: str | None = None, **kwargs: Any
) -> gym.Env[Any, Any]:
    """An environment of ``family``: in this process, or over HTTP when ``base_url`` is given.

    This is the entry point behind ``gymnasium.make("skillgym/<Name>-v0", ...)``.

    Example:
        >>> env = make_env("arithmetic", task="arithmetic/sum-list")
        >>> type(env).__name__
        'ArithmeticEnv'
    """
    if base_url is not None:
        from skillgym.clients.remote_env import RemoteEnv

        return RemoteEnv(base_url, env=family, task=task, **kwargs)
    return make_local_env(family, task=task, **kwargs)
