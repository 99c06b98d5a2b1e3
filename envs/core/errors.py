"""The error tree of the ``/v1`` contract: every class whose ``code`` crosses the wire.

The core, the server and the families raise these; the clients raise the same class
from an error body's ``code`` (``error_class_for_code``), so ``SessionNotFoundError``
means one thing on both ends. The server maps them to HTTP statuses in one table
(``skillgym.hub_server.errors``). The clients' own errors are in
``skillgym.clients.errors``; ``skillgym.errors`` re-exports every class for users.
"""

from __future__ import annotations


class SkillGymError(Exception):
    """Root of every error SkillGym raises on purpose."""

    code = "skillgym_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class TaskError(SkillGymError):
    """A task file or a task reference is wrong."""

    code = "task_error"


class TaskNotFoundError(TaskError):
    """No task with that id, or not in that version."""

    code = "task_not_found"


class TaskFormatError(TaskError):
    """A ``task.yaml`` that does not parse or does not validate."""

    code = "task_format_error"


class EnvNotFoundError(SkillGymError):
    """No environment family with that name."""

    code = "env_not_found"


class SessionError(SkillGymError):
    """An error in the server's session bookkeeping."""

    code = "session_error"


class SessionNotFoundError(SessionError):
    """No session with that id ever existed on this server."""

    code = "session_not_found"


class SessionClosedError(SessionError):
    """The session existed but was closed (by its client or by the idle reaper)."""

    code = "session_closed"


class EpisodeStateError(SessionError):
    """The call does not fit the episode's state (a step before reset or after the end)."""

    code = "episode_not_running"


class ReplicaLostError(SessionError):
    """The replica that ran a session stopped answering: its episode is lost."""

    code = "replica_lost"


class ServerFullError(SessionError):
    """The server holds as many sessions as it is allowed to."""

    code = "server_full"

    def __init__(self, message: str, retry_after_s: int = 1) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class AuthError(SkillGymError):
    """The call's credentials are missing or wrong."""

    code = "auth_error"


class UnauthorizedError(AuthError):
    """No token where the server requires one."""

    code = "unauthorized"


class ForbiddenError(AuthError):
    """A token that is not the server's."""

    code = "forbidden"


class RateLimitedError(AuthError):
    """A token that sent more writes than its rate allows; retry after ``retry_after_s``."""

    code = "rate_limited"

    def __init__(self, message: str, retry_after_s: int = 1) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class RunError(SkillGymError):
    """A hub run (a policy evaluated on a suite) cannot do what was asked."""

    code = "run_error"


class RunNotFoundError(RunError):
    """No run with that id on this hub, or the hub keeps no scores."""

    code = "run_not_found"


class RunStateError(RunError):
    """The call does not fit the run: it has ended, or its slot was played, or it takes no such thing.

    Uploads to a verified run, and episodes of tasks outside its suite, are such things.
    """

    code = "run_state"


class ConfigurationError(SkillGymError):
    """A setting that cannot work (a malformed database URL, an unreachable database)."""

    code = "configuration_error"


class RequestError(SkillGymError):
    """A request body the server cannot use."""

    code = "invalid_request"


class BodyTooLargeError(RequestError):
    """A request body over the server's size limit."""

    code = "body_too_large"


class ArtifactNotFoundError(SkillGymError):
    """A session's family hands out no file of that name."""

    code = "artifact_not_found"


class EngineError(SkillGymError):
    """The spreadsheet formula engine (LibreOffice) is not installed, or failed to answer."""

    code = "engine_error"


class SandboxError(SkillGymError):
    """An episode's sandbox (browser, container, shell) failed."""

    code = "sandbox_error"


def error_class_for_code(code: str) -> type[SkillGymError] | None:
    """Return the exception class whose ``code`` is ``code``, or None if none has it.

    Looked up when called, so the classes of every layer imported by then count.

    Example:
        >>> error_class_for_code("session_not_found").__name__
        'SessionNotFoundError'
    """
    return {cls.code: cls for cls in _all_subclasses(SkillGymError)}.get(code)


def _all_subclasses(cls: type[SkillGymError]) -> list[type[SkillGymError]]:
    found = [cls]
    for sub in cls.__subclasses__():
        found.extend(_all_subclasses(sub))
    return found
