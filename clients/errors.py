"""Errors the clients raise for what went wrong on their side of the wire."""

from __future__ import annotations

from skillgym.envs.core.errors import SkillGymError


class ClientError(SkillGymError):
    """Raised only by the clients, for what went wrong on their side of the wire."""

    code = "client_error"


class RemoteError(ClientError):
    """The server answered with an error that has no class of its own here."""

    code = "remote_error"

    def __init__(self, message: str, *, status: int, remote_code: str) -> None:
        super().__init__(message)
        self.status = status
        self.remote_code = remote_code


class RemoteConnectionError(ClientError):
    """The server could not be reached (after the retries the call allows)."""

    code = "connection_error"


class RemoteTimeoutError(ClientError):
    """The server did not answer within the client's timeout."""

    code = "timeout"


class ClientClosedError(ClientError):
    """The client was used after ``close()``."""

    code = "client_closed"
