"""When a call to a server is tried again, and after how long: one policy, no I/O.

Both clients describe what went wrong with a call as a :class:`Failure` and ask
:meth:`RetryPolicy.wait_before_retry` what to do; they only send and sleep.

Why no retry library: stamina and tenacity build their retry state on every call,
which measured 26-34 µs (sync) and 58-63 µs (async) per call on this project's
benchmark machine, against a loopback step of about 1 ms of which the client's own
work is a fraction; here a call that succeeds costs nothing extra.
"""

from __future__ import annotations

import enum
import logging
import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from skillgym.envs.core.errors import SkillGymError

logger = logging.getLogger(__name__)


class FailureKind(enum.Enum):
    """How a call failed, which is what decides whether repeating it is safe."""

    NOT_SENT = "not sent"
    """No connection could be made: the server never saw the call."""
    DROPPED = "dropped"
    """The connection broke after the call was sent: the server may have applied it."""
    NO_ANSWER = "no answer"
    """The read timeout passed: the server has the call and may still be working on it."""
    ANSWERED = "answered"
    """The server answered with an error status."""


@dataclass(frozen=True, slots=True)
class Failure:
    """A call that did not get its answer.

    Attributes:
        kind: How it failed.
        error: What the caller gets when the call is not tried again.
        status: The HTTP status of an ``ANSWERED`` failure.
        retry_after_s: The server's ``Retry-After``, in seconds, when it sent one.
    """

    kind: FailureKind
    error: SkillGymError
    status: int | None = None
    retry_after_s: float | None = None


@dataclass(frozen=True)
class RetryPolicy:
    """Which failed calls are tried again, how often, and after how long.

    A call is tried again when repeating it cannot do harm:

    - it never reached the server (no connection could be made), for any call;
    - the server turned it away, ``429``, or ``503`` with ``Retry-After`` (a full
      server), for any call: it was not applied. The wait is the server's
      ``Retry-After`` (up to ``max_retry_after_s``; a longer one is not waited for);
    - the connection broke after sending, only for a repeatable call (describe,
      reset, artifact, close); never for a session's creation or a step.

    A call that got no answer within the read timeout is not sent again: the server
    is still working on it, and a second copy would only add to its load.

    Example:
        >>> policy = RetryPolicy(attempts=4, backoff_s=0.1, jitter=0)
        >>> [policy.backoff(attempt) for attempt in (1, 2, 3)]
        [0.1, 0.2, 0.4]
    """

    attempts: int = 4
    """Tries of one call in all, the first included (1: never retried)."""
    backoff_s: float = 0.1
    """The wait after the first failure; it doubles after each next one."""
    max_backoff_s: float = 2.0
    jitter: float = 0.1
    """Up to this share of each wait is added at random, so that many clients turned
    away at once do not all come back at the same moment."""
    max_retry_after_s: float = 30.0

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError(f"Expects attempts >= 1, actual value: {self.attempts}")
        for name in ("backoff_s", "max_backoff_s", "jitter", "max_retry_after_s"):
            if getattr(self, name) < 0:
                raise ValueError(f"Expects {name} >= 0, actual value: {getattr(self, name)}")

    def wait_before_retry(
        self, attempt: int, failure: Failure, *, repeatable: bool
    ) -> float | None:
        """Seconds to wait before trying again after try number ``attempt`` failed, or None.

        Args:
            attempt: Which try failed, from 1.
            failure: How it failed.
            repeatable: Whether the call may be applied twice without harm.

        Example:
            >>> from skillgym.errors import RemoteTimeoutError
            >>> late = Failure(FailureKind.NO_ANSWER, RemoteTimeoutError("no answer"))
            >>> RetryPolicy().wait_before_retry(1, late, repeatable=True) is None
            True
        """
        if attempt >= self.attempts:
            return None
        if failure.kind is FailureKind.ANSWERED:
            return self._wait_when_turned_away(attempt, failure)
        if failure.kind is FailureKind.NOT_SENT or (
            failure.kind is FailureKind.DROPPED and repeatable
        ):
            return self._jittered(self.backoff(attempt))
        return None

    def backoff(self, attempt: int) -> float:
        """The wait after try number ``attempt`` failed, before jitter."""
        return min(self.backoff_s * 2 ** (attempt - 1), self.max_backoff_s)

    def _wait_when_turned_away(self, attempt: int, failure: Failure) -> float | None:
        if failure.status == 429 and failure.retry_after_s is None:
            return self._jittered(self.backoff(attempt))
        if failure.status not in (429, 503) or failure.retry_after_s is None:
            return None
        if failure.retry_after_s > self.max_retry_after_s:
            return None
        return self._jittered(failure.retry_after_s)

    def _jittered(self, wait: float) -> float:
        return wait * (1 + self.jitter * random.random()) if self.jitter else wait


class Retries:
    """The tries of one call under a policy: counts them, and says how long to wait.

    Example:
        >>> from skillgym.errors import RemoteConnectionError
        >>> refused = Failure(FailureKind.NOT_SENT, RemoteConnectionError("refused"))
        >>> retries = Retries(RetryPolicy(attempts=2, jitter=0), "GET /v1/envs", repeatable=True)
        >>> retries.wait_after(refused)
        0.1
    """

    __slots__ = ("_attempt", "_policy", "_repeatable", "_what")

    def __init__(self, policy: RetryPolicy, what: str, *, repeatable: bool) -> None:
        self._policy = policy
        self._what = what
        self._repeatable = repeatable
        self._attempt = 0

    def wait_after(self, failure: Failure) -> float:
        """Seconds to wait before the next try.

        Raises:
            SkillGymError: ``failure.error``, when the policy does not try again.
        """
        self._attempt += 1
        wait = self._policy.wait_before_retry(self._attempt, failure, repeatable=self._repeatable)
        if wait is None:
            raise failure.error
        logger.info("%s failed (%s), trying again in %.2f s", self._what, failure.kind.value, wait)
        return wait


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds from a ``Retry-After`` header (a number of seconds or an HTTP date), or None.

    Example:
        >>> parse_retry_after("2")
        2.0
        >>> parse_retry_after(None) is None
        True
    """
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    seconds = (when - (now or datetime.now(UTC))).total_seconds()
    return float(max(0, math.ceil(seconds)))


DEFAULT_RETRY = RetryPolicy()
NO_RETRY = RetryPolicy(attempts=1)
