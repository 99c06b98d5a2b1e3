"""The one exception tree of SkillGym.

Every error SkillGym raises on purpose derives from :class:`SkillGymError` and carries
a stable ``code`` (the ``error.code`` of the wire protocol)::

    SkillGymError
    ├── TaskError                       a task file or task reference is wrong
    │   ├── TaskNotFoundError           unknown task id or version      (404)
    │   └── TaskFormatError             a task.yaml that does not parse  (422)
    ├── EnvNotFoundError                unknown environment family       (404)
    ├── SessionError                    the server's session bookkeeping
    │   ├── SessionNotFoundError        no such session                  (404)
    │   ├── SessionClosedError          the session was closed or reaped (409)
    │   ├── EpisodeStateError           step before reset / after the end (409)
    │   ├── ServerFullError             max sessions reached             (503)
    │   └── ReplicaLostError            the replica running it stopped answering (502)
    ├── AuthError                       the call's credentials
    │   ├── UnauthorizedError           no token where one is required   (401)
    │   ├── ForbiddenError              a token that is unknown, revoked or lacks the scope (403)
    │   └── RateLimitedError            more writes than the token's rate (429)
    ├── RequestError                    a request body the server cannot use (422)
    │   └── BodyTooLargeError           the body is over the limit       (413)
    ├── RunError                        a hub run cannot do what was asked
    │   ├── RunNotFoundError            no such run, or no scores kept here (404)
    │   └── RunStateError               the run has ended or the slot was played (409)
    ├── ConfigurationError              a setting that cannot work (a database URL)
    ├── ArtifactNotFoundError           a file the session's family does not hand out (404)
    ├── SandboxError                    an episode's sandbox failed       (503)
    ├── EngineError                     a spreadsheet engine is missing or died (503)
    ├── SettingsError                   a SKILLGYM_* variable holds a value its setting cannot take
    └── ClientError                     raised only by the clients
        ├── RemoteError                 the server answered with an error it has no class for
        ├── RemoteConnectionError       the server could not be reached
        ├── RemoteTimeoutError          the server did not answer in time
        └── ClientClosedError           the client was used after close()

Each class lives with its layer: the contract's in ``skillgym.envs.core.errors``, the
clients' in ``skillgym.clients.errors``, ``SettingsError`` with the settings
(``skillgym.envs.core.settings``); this module gathers them for users.
The server maps these classes to HTTP statuses in one table
(``skillgym.hub_server.errors``); the clients map the ``code`` of an error body back
to the same class, so ``SessionNotFoundError`` means the same thing on both ends.
A malformed or impossible *action* is not an exception anywhere: it is reported in
the observation's ``last_action_error`` and the episode goes on.
"""

from __future__ import annotations

from skillgym.clients.errors import (
    ClientClosedError,
    ClientError,
    RemoteConnectionError,
    RemoteError,
    RemoteTimeoutError,
)
from skillgym.envs.core.errors import (
    ArtifactNotFoundError,
    AuthError,
    BodyTooLargeError,
    ConfigurationError,
    EngineError,
    EnvNotFoundError,
    EpisodeStateError,
    ForbiddenError,
    RateLimitedError,
    ReplicaLostError,
    RequestError,
    RunError,
    RunNotFoundError,
    RunStateError,
    SandboxError,
    ServerFullError,
    SessionClosedError,
    SessionError,
    SessionNotFoundError,
    SkillGymError,
    TaskError,
    TaskFormatError,
    TaskNotFoundError,
    UnauthorizedError,
    error_class_for_code,
)
from skillgym.envs.core.settings import SettingsError

__all__ = [
    "ArtifactNotFoundError",
    "AuthError",
    "BodyTooLargeError",
    "ClientClosedError",
    "ClientError",
    "ConfigurationError",
    "EngineError",
    "EnvNotFoundError",
    "EpisodeStateError",
    "ForbiddenError",
    "RateLimitedError",
    "RemoteConnectionError",
    "RemoteError",
    "RemoteTimeoutError",
    "ReplicaLostError",
    "RequestError",
    "RunError",
    "RunNotFoundError",
    "RunStateError",
    "SandboxError",
    "ServerFullError",
    "SessionClosedError",
    "SessionError",
    "SessionNotFoundError",
    "SettingsError",
    "SkillGymError",
    "TaskError",
    "TaskFormatError",
    "TaskNotFoundError",
    "UnauthorizedError",
    "error_class_for_code",
]
