"""Small value objects that configure the clients, with named defaults."""

from __future__ import annotations

import functools
import ssl
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


@functools.cache
def default_ssl_context() -> ssl.SSLContext:
    """One verifying TLS context per process.

    Building one loads the CA store (~40 ms), which httpx would otherwise do for
    every client, even for http:// URLs.
    """
    return ssl.create_default_context()


DEFAULT_TIMEOUT = Timeout()
