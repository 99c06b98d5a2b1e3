"""The SkillGym server: environment sessions over HTTP and WebSocket (``create_app``).

``create_app`` and ``ServerSettings`` are imported when first used, so the parts that need
no web framework (``skillgym.hub_server.replicas``, used by rollouts) import without it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from skillgym.hub_server.app import create_app
    from skillgym.hub_server.settings import ServerSettings

__all__ = ["ServerSettings", "create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from skillgym.hub_server.app import create_app

        return create_app
    if name == "ServerSettings":
        from skillgym.hub_server.settings import ServerSettings

        return ServerSettings
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
