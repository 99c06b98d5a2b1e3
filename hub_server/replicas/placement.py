"""Placement: which replica of a family takes the next episode or session.

The one with the fewest outstanding (episodes of a rollout, sessions of a hub), among
those that did not just fail; the hub and the rollouts place the same way.

Example:
    >>> replicas = ReplicaSet({"arithmetic": ["http://a:1", "http://b:2"]})
    >>> first = replicas.acquire("arithmetic")
    >>> replicas.acquire("arithmetic") != first
    True
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from skillgym.hub_server.replicas.provider import ReplicaError

DOWN_FOR_S = 10.0
"""How long a replica that failed an episode is passed over while others are up."""


class ReplicaSet:
    """Placement: the replica with the fewest outstanding episodes, among those allowed."""

    def __init__(self, urls_by_family: dict[str, list[str]]) -> None:
        self.urls_by_family = {family: list(urls) for family, urls in urls_by_family.items()}
        self.outstanding: dict[str, int] = {
            url: 0 for urls in self.urls_by_family.values() for url in urls
        }
        self.down_until: dict[str, float] = {}

    def acquire(self, family: str, exclude: Iterable[str] = ()) -> str:
        """A replica for one episode of ``family`` (count it until :meth:`release`).

        Replicas in ``exclude`` (those that already failed this episode), then those
        marked down (:meth:`mark_down`), are used only when no other serves the family.
        """
        urls = self.urls_by_family.get(family)
        if not urls:
            raise ReplicaError(
                f"No replica serves the family {family!r}; replicas serve: "
                f"{', '.join(sorted(self.urls_by_family)) or 'nothing'}."
            )
        skip = set(exclude)
        now = time.monotonic()
        candidates = (
            [u for u in urls if u not in skip and self.down_until.get(u, 0.0) <= now]
            or [u for u in urls if u not in skip]
            or urls
        )
        url = min(candidates, key=lambda u: self.outstanding.get(u, 0))
        self.outstanding[url] = self.outstanding.get(url, 0) + 1
        return url

    def release(self, url: str) -> None:
        """The episode placed on ``url`` ended (one way or another)."""
        if url in self.outstanding:  # not a replica replaced since
            self.outstanding[url] -= 1

    def replace(self, old: str, new: str | None) -> None:
        """``old`` is gone for good; ``new`` (if any) serves its family in its place."""
        for urls in self.urls_by_family.values():
            if old in urls:
                if new is None:
                    urls.remove(old)
                else:
                    urls[urls.index(old)] = new
                    self.outstanding.setdefault(new, 0)
        self.outstanding.pop(old, None)
        self.down_until.pop(old, None)

    def mark_down(self, url: str, seconds: float = DOWN_FOR_S) -> None:
        """``url`` failed an episode: pass it over for ``seconds`` while others are up."""
        self.down_until[url] = time.monotonic() + seconds
