"""Per-token rate limits: a token bucket per token, refilled continuously.

Example:
    >>> limiter = RateLimiter(rate_per_s=1.0, burst=2)
    >>> [limiter.wait_s("t", now=0.0) for _ in range(3)]
    [0.0, 0.0, 1.0]
"""

from __future__ import annotations

import time


class RateLimiter:
    """``burst`` calls at once, then ``rate_per_s``; a full bucket is forgotten."""

    def __init__(self, rate_per_s: float, burst: int) -> None:
        self.rate = rate_per_s
        self.burst = float(burst)
        self._buckets: dict[str, tuple[float, float]] = {}

    def wait_s(self, key: str, now: float | None = None) -> float:
        """0 if ``key`` may call now (and spends a call), else the seconds until it may."""
        now = time.monotonic() if now is None else now
        tokens, then = self._buckets.get(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - then) * self.rate)
        if tokens >= 1.0:
            self._buckets[key] = (tokens - 1.0, now)
            if len(self._buckets) > 100_000:  # keep only the buckets still in use
                self._buckets = {
                    k: v for k, v in self._buckets.items() if now - v[1] < self.burst / self.rate
                }
            return 0.0
        self._buckets[key] = (tokens, now)
        return (1.0 - tokens) / self.rate
