"""Small value objects that configure the clients, with named defaults."""

from __future__ import annotations

import functools
import ssl
from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class Timeout:
    """Seconds to wait: to connect, and for an answer to a call (a step may be slow).

    Example:
        >>> Timeout(read=30).read
        30
    """

    connect: float = 5.0
    read: float = 120.0


@dataclass(frozen=True)
class RetryPolicy:
    """How calls that are safe to repeat (create, reset, close) retry on connection errors.

    A step is never retried: the server may have applied it.

    Example:
        >>> list(RetryPolicy(attempts=4, backoff_s=0.1).delays())
        [0.1, 0.2, 0.4]
    """

    attempts: int = 4
    backoff_s: float = 0.1
    max_backoff_s: float = 2.0

    def delays(self) -> Iterator[float]:
        """The sleeps between attempts (one fewer than ``attempts``)."""
        for attempt in range(self.attempts - 1):
            yield min(self.backoff_s * 2**attempt, self.max_backoff_s)


@functools.cache
def default_ssl_context() -> ssl.SSLContext:
    """One verifying TLS context per process.

    Building one loads the CA store (~40 ms), which httpx would otherwise do for
    every client, even for http:// URLs.
    """
    return ssl.create_default_context()


DEFAULT_TIMEOUT = Timeout()
DEFAULT_RETRY = RetryPolicy()
NO_RETRY = RetryPolicy(attempts=1)
