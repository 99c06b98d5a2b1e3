"""The SkillGym server: environment sessions over HTTP and WebSocket (``create_app``)."""

from skillgym.hub_server.app import create_app
from skillgym.hub_server.settings import ServerSettings

__all__ = ["ServerSettings", "create_app"]
