"""A pool of replicas per family, started by a provider, watched, and replaced when dead.

The hub and the rollouts hold one the same way: :meth:`ReplicaPool.start` launches
``per_family`` replicas of each family at once and returns their URLs;
:meth:`ReplicaPool.check` asks each replica whether it still runs and answers
``/healthz`` and replaces one that is gone or failed ``failures_to_replace`` checks in a
row, telling the listeners (the hub ends the sessions it held; a rollout's placement
forgets it). :meth:`ReplicaPool.watch` checks on a thread; the hub checks from its own
event loop instead. :meth:`ReplicaPool.stop` removes every replica.

Example::

    pool = ReplicaPool(DockerProvider(), per_family=2)
    urls = pool.start(["flight", "terminal"])  # {"flight": [...], "terminal": [...]}
    pool.watch()
    ...
    pool.stop()
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

from skillgym.hub_server.replicas.placement import ReplicaSet
from skillgym.hub_server.replicas.provider import Replica, ReplicaProvider, answers_health

logger = logging.getLogger(__name__)
Listener = Callable[[Replica, Replica | None], None]
"""Told ``(gone, replacement)``; the replacement is None when none could start."""


class ReplicaPool:
    """Replicas of a provider, ``per_family`` for each family; see the module's docstring."""

    def __init__(
        self,
        provider: ReplicaProvider,
        per_family: int = 2,
        *,
        check_interval_s: float = 2.0,
        failures_to_replace: int = 2,
    ) -> None:
        if per_family < 1:
            raise ValueError(f"Expects at least one replica per family, actual value: {per_family}")
        self.provider = provider
        self.per_family = per_family
        self.check_interval_s = check_interval_s
        self.failures_to_replace = failures_to_replace
        self.replicas: dict[str, list[Replica]] = {}
        self.placement = ReplicaSet({})
        self.replaced = 0
        self._failures: dict[str, int] = {}
        self._listeners: list[Listener] = [self._place_replacement]
        self._lock = threading.RLock()
        self._stopping = threading.Event()
        self._watcher: threading.Thread | None = None

    def start(self, families: Sequence[str]) -> dict[str, list[str]]:
        """Launch the replicas of every family at once; their URLs by family.

        Raises:
            ReplicaError: One could not start (those that did are removed again).
        """
        wanted = [family for family in families for _ in range(self.per_family)]
        with ThreadPoolExecutor(max_workers=max(1, min(8, len(wanted)))) as launcher:
            futures = [launcher.submit(self.provider.launch, family) for family in wanted]
            started: list[Replica] = []
            failure: BaseException | None = None
            for future in futures:
                try:
                    started.append(future.result())
                except BaseException as exc:
                    failure = failure or exc
        with self._lock:
            for replica in started:
                self.replicas.setdefault(replica.family, []).append(replica)
        if failure is not None:
            self.stop()
            raise failure
        self.placement = ReplicaSet(self.urls())
        return self.urls()

    def urls(self) -> dict[str, list[str]]:
        """Each family's replica URLs."""
        with self._lock:
            return {f: [r.url for r in replicas] for f, replicas in self.replicas.items()}

    def all(self) -> list[Replica]:
        """Every replica of the pool."""
        with self._lock:
            return [r for replicas in self.replicas.values() for r in replicas]

    def find(self, url: str) -> Replica | None:
        """The replica at ``url``, if the pool has it."""
        return next((r for r in self.all() if r.url == url), None)

    def on_replace(self, listener: Listener) -> None:
        """Call ``listener(gone, replacement)`` after each replacement."""
        self._listeners.append(listener)

    def check(self) -> list[Replica]:
        """Check every replica once; replace the dead; the replicas replaced."""
        replaced = []
        for replica in self.all():
            running = self.provider.is_running(replica)
            if running and answers_health(replica.url, timeout_s=2.0):
                self._failures.pop(replica.name, None)
                continue
            failures = self._failures[replica.name] = self._failures.get(replica.name, 0) + 1
            if not running or failures >= self.failures_to_replace:
                why = "it stopped" if not running else f"it failed {failures} health checks"
                self.replace(replica, why)
                replaced.append(replica)
        self._launch_missing()
        return replaced

    def replace(self, replica: Replica, why: str = "it was replaced") -> Replica | None:
        """Remove ``replica`` and launch another of its family; the new one, if it started."""
        logger.warning("replica %s (%s) is replaced: %s", replica.name, replica.url, why)
        with self._lock:
            family_replicas = self.replicas.get(replica.family, [])
            if replica not in family_replicas:
                return None
            family_replicas.remove(replica)
            self._failures.pop(replica.name, None)
        self.provider.remove(replica)
        new: Replica | None = None
        if not self._stopping.is_set():
            try:
                new = self.provider.launch(replica.family)
            except Exception:
                logger.exception(
                    "a replacement for %s did not start; retried at the next check", replica.name
                )
        if new is not None:
            with self._lock:
                self.replicas.setdefault(replica.family, []).append(new)
        self.replaced += 1
        for listener in self._listeners:
            try:
                listener(replica, new)
            except Exception:
                logger.exception("a listener of replica replacements failed")
        return new

    def _launch_missing(self) -> None:
        """Bring each family back to ``per_family`` after replacements that did not start."""
        for family, replicas in list(self.replicas.items()):
            for _ in range(self.per_family - len(replicas)):
                if self._stopping.is_set():
                    return
                try:
                    new = self.provider.launch(family)
                except Exception:
                    logger.exception(
                        "a replica of %s did not start; retried at the next check", family
                    )
                    return
                with self._lock:
                    replicas.append(new)
                self.placement.urls_by_family.setdefault(family, []).append(new.url)

    def _place_replacement(self, gone: Replica, new: Replica | None) -> None:
        self.placement.replace(gone.url, new.url if new is not None else None)

    def watch(self) -> ReplicaPool:
        """Check the replicas every ``check_interval_s`` on a daemon thread, until :meth:`stop`."""
        if self._watcher is None:
            self._watcher = threading.Thread(
                target=self._watch_loop, name="skillgym-replica-watch", daemon=True
            )
            self._watcher.start()
        return self

    def _watch_loop(self) -> None:
        while not self._stopping.wait(self.check_interval_s):
            try:
                self.check()
            except Exception:
                logger.exception("checking the replicas failed; trying again")

    def stop(self) -> None:
        """Stop watching and remove every replica (in parallel), then close the provider."""
        self._stopping.set()
        if self._watcher is not None and self._watcher is not threading.current_thread():
            self._watcher.join(timeout=30)
        with self._lock:
            everyone = [r for replicas in self.replicas.values() for r in replicas]
            self.replicas.clear()
        with ThreadPoolExecutor(max_workers=max(1, min(8, len(everyone)))) as remover:
            list(remover.map(self.provider.remove, everyone))
        self.provider.close()

    def __enter__(self) -> ReplicaPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
