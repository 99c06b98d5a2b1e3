"""Sessions: one environment each, many per server, stepped without blocking the loop.

Each session has its own lock, so calls on one session never interleave, while calls
on different sessions run concurrently. Environments whose class says ``blocking``
run in a thread pool; the rest (pure computation bounded to microseconds) run inline,
which is where the protocol's throughput comes from. An idle reaper closes sessions
that nobody has touched for ``idle_timeout_s``, so a client that vanishes (half-open
WebSockets included) never holds a slot forever.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import secrets
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar, cast

from pydantic import BaseModel

from skillgym.envs.core.env import SkillGymEnv
from skillgym.envs.core.errors import (
    ReplicaLostError,
    ServerFullError,
    SessionClosedError,
    SessionNotFoundError,
    TaskNotFoundError,
)
from skillgym.envs.core.options import read_options
from skillgym.envs.core.protocol import ResetResponse, SessionCreate, SessionPublic, StepResponse
from skillgym.envs.core.registry import env_class
from skillgym.envs.core.tasks import TaskCatalog
from skillgym.hub_server.errors import TaskNotPlayableError
from skillgym.hub_server.families import served_family
from skillgym.hub_server.recorder import RunRecorder, SlotPlay, run_option
from skillgym.hub_server.replica_sessions import ReplicaEnv, ReplicaSessions
from skillgym.hub_server.scores.tokens import Principal
from skillgym.hub_server.settings import ServerSettings

logger = logging.getLogger(__name__)
T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)
SessionState = Literal["created", "running", "ended", "closed"]


def _answer(model: type[M], fields: dict[str, Any]) -> M:
    """``model(**fields)``, by the model's core validator alone.

    On the protocol's hot path, ``BaseModel.__init__``'s Python wrapper costs a third
    as much again as the validation.
    """
    return cast(M, model.__pydantic_validator__.validate_python(fields))


@dataclass
class Session:
    """One client's environment and what the server knows about it."""

    id: str
    family: str
    task: str | None
    seed: int | None
    options: dict[str, Any]
    env: SkillGymEnv | ReplicaEnv
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    last_used: float = field(default_factory=time.monotonic)
    on_close: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    reset_once: bool = False
    owner: Principal | None = None
    """Whose token created the session (None on an open server called without one)."""
    play: SlotPlay | None = None
    """The run slot the session's episode plays, while it plays one."""

    def public(self, state: SessionState | None = None) -> SessionPublic:
        """The session as ``GET /v1/sessions/{id}`` describes it."""
        episode = self.env.episode
        if state is None:
            state = "created" if episode is None else ("ended" if episode.done else "running")
        return SessionPublic(
            session_id=self.id,
            env=self.family,
            task=self.task,
            state=state,
            episode_task=episode.spec.ref if episode else None,
            steps=episode.steps if episode else 0,
        )


class SessionManager:
    """Creates, finds, steps, closes and reaps sessions within the server's limits."""

    def __init__(
        self,
        settings: ServerSettings,
        catalog: TaskCatalog,
        recorder: RunRecorder | None = None,
        replicas: ReplicaSessions | None = None,
    ) -> None:
        self.settings = settings
        self.catalog = catalog
        self.recorder = recorder or RunRecorder(None)
        self.replicas = replicas
        self._sessions: dict[str, Session] = {}
        self._closed: OrderedDict[str, str] = OrderedDict()
        self._reserved = 0
        self._warned_slow_inline: set[type[SkillGymEnv] | type[ReplicaEnv]] = set()
        self._executor = ThreadPoolExecutor(settings.env_threads, thread_name_prefix="skillgym-env")

    @property
    def count(self) -> int:
        """Sessions open now."""
        return len(self._sessions)

    def sessions(self) -> list[Session]:
        """The open sessions."""
        return list(self._sessions.values())

    async def create(self, body: SessionCreate, owner: Principal | None = None) -> Session:
        """Make a session's environment; 503 when the server is full."""
        if len(self._sessions) + self._reserved >= self.settings.max_sessions:
            raise ServerFullError(
                f"The server holds its maximum of {self.settings.max_sessions} sessions; "
                f"retry after {self.settings.retry_after_s} s or close sessions you no longer use.",
                retry_after_s=self.settings.retry_after_s,
            )
        served_family(self.settings, body.env)
        task = self.catalog.resolve(body.task, family=body.env).ref if body.task else None
        cls = env_class(body.env)
        options = read_options(cls.options_model, body.env, body.options)  # now, not at reset
        if options.task:
            self.catalog.resolve(options.task, family=body.env)
        self._reserved += 1
        try:
            env = await self._make_env(body.env, cls, task)
        finally:
            self._reserved -= 1
        session = Session(secrets.token_hex(8), body.env, task, body.seed, dict(body.options), env)
        session.owner = owner
        if isinstance(env, ReplicaEnv):
            session.on_close.append(self._released(env))
        self._sessions[session.id] = session
        logger.debug("session %s created (%s, %s)", session.id, body.env, task)
        return session

    async def _make_env(self, family: str, cls: type[SkillGymEnv], task: str | None) -> Any:
        """The session's environment: made here, or a session on one of the family's replicas."""
        replicas = self.replicas
        if replicas is not None and replicas.serves(family):
            return await replicas.open(family)
        return await self._call(cls, lambda: cls(task=task, catalog=self.catalog))

    def _released(self, env: ReplicaEnv) -> Callable[[], Awaitable[None]]:
        async def release() -> None:
            if self.replicas is not None:
                self.replicas.release(env)

        return release

    def get(self, session_id: str) -> Session:
        """The open session with that id.

        Raises:
            SessionClosedError: If it was closed or reaped.
            SessionNotFoundError: If it never existed here.
        """
        session = self._sessions.get(session_id)
        if session is not None:
            return session
        if session_id in self._closed:
            raise SessionClosedError(
                f"Session {session_id} is closed ({self._closed[session_id]}); create a new one."
            )
        raise SessionNotFoundError(f"No session {session_id!r} on this server.")

    async def reset(
        self, session: Session, seed: int | None, options: dict[str, Any]
    ) -> ResetResponse:
        """Reset the session's environment; the session's defaults fill what is not given.

        With the option ``run``, the episode plays that run's slot: its task, its hidden
        seed, and a verdict the hub records itself (:mod:`skillgym.hub_server.recorder`).
        """
        options = dict(options)
        slot = run_option(options)
        if session.play is not None:  # a new episode abandons the slot's
            self.recorder.release(session.play)
            session.play = None
        play = None
        if slot is not None:
            play = await self.recorder.claim(
                slot, session.id, session.owner, options.get("task"), seed
            )
            options["task"], seed = play.claim.task, play.claim.seed
        elif not session.reset_once:
            seed = session.seed if seed is None else seed
            options = {**session.options, **options}
        options.setdefault("task", session.task)
        if options["task"] is None:
            del options["task"]
        try:
            observation, info = await self.run(
                session, lambda: session.env.reset(seed=seed, options=options)
            )
        except TaskNotFoundError as exc:
            if play is not None:
                self.recorder.release(play)
            raise TaskNotPlayableError(exc.message) from None
        except BaseException:
            if play is not None:
                self.recorder.release(play)
            raise
        session.reset_once = True
        if play is not None:
            session.play = play
            self.recorder.began(play, observation)
            if not play.claim.reference:  # hidden until the run ends
                info = {k: v for k, v in info.items() if k != "seed"}
        return _answer(ResetResponse, {"observation": observation, "info": info})

    async def step(self, session: Session, action: str) -> StepResponse:
        """Step the session's environment once."""
        observation, reward, terminated, truncated, info = await self.run(
            session, lambda: session.env.step(action)
        )
        if session.play is not None:
            info = await self._played(
                session, action, observation, reward, terminated, truncated, info
            )
        return _answer(
            StepResponse,
            {
                "observation": observation,
                "reward": reward,
                "terminated": terminated,
                "truncated": truncated,
                "info": info,
            },
        )

    async def _played(
        self,
        session: Session,
        action: str,
        observation: dict[str, str],
        reward: float,
        terminated: bool,
        truncated: bool,
        info: dict[str, Any],
    ) -> dict[str, Any]:
        """A run slot's step: into the hub's transcript; at the end, into the scores."""
        play = session.play
        assert play is not None
        if not play.claim.reference:
            info = {k: v for k, v in info.items() if k != "seed"}
        step = {
            "observation": observation,
            "reward": reward,
            "terminated": terminated,
            "truncated": truncated,
        }
        self.recorder.observe(play, action, step)
        if not (terminated or truncated):
            return info
        session.play = None
        env = session.env
        files: dict[str, bytes] = {}
        for name in type(env).artifact_types:
            try:
                files[name] = await self.run(session, functools.partial(env.artifact, name))
            except Exception:  # a file is a courtesy: the verdict is recorded without it
                logger.exception("session %s: artifact %s not kept", session.id, name)
        info["run"] = await self.recorder.finish(play, files, reward, info)
        return info

    async def run(self, session: Session, call: Callable[[], T | Awaitable[T]]) -> T:
        """Run ``call`` on the session's environment, one call at a time per session."""
        cls = type(session.env)
        if not cls.blocking and not getattr(cls, "asynchronous", False):
            # An inline call never suspends, so two calls on one session cannot interleave.
            self._ensure_open(session)
            session.last_used = time.monotonic()
            return self._inline(cls, cast(Callable[[], T], call))
        try:
            async with session.lock:
                self._ensure_open(session)  # closed while this call waited
                session.last_used = time.monotonic()
                try:
                    return await self._call(cls, call)
                finally:
                    session.last_used = time.monotonic()
        except ReplicaLostError as exc:  # the episode is gone with its replica: so is the session
            await self.close(session.id, exc.message)
            raise

    def _ensure_open(self, session: Session) -> None:
        if self._sessions.get(session.id) is not session:
            self.get(session.id)  # raises the error that says why

    async def close(self, session_id: str, reason: str = "closed by its client") -> None:
        """Close a session; closing a closed one is fine, an unknown one is 404."""
        session = self._sessions.pop(session_id, None)
        if session is None:
            if session_id not in self._closed:
                raise SessionNotFoundError(f"No session {session_id!r} on this server.")
            return
        self._remember_closed(session_id, reason)
        if session.play is not None:
            self.recorder.release(session.play)
        # The session is gone whatever happens below: a family whose close() fails, or a
        # socket that is already broken, must not fail the DELETE or stop the reaper.
        try:
            async with session.lock:
                await self._call(type(session.env), session.env.close)
        except Exception:
            logger.exception("closing the environment of session %s failed", session_id)
        for callback in session.on_close:
            try:
                await callback()
            except Exception:
                logger.exception("a close callback of session %s failed", session_id)
        logger.debug("session %s closed: %s", session_id, reason)

    async def reap_idle(self) -> int:
        """Close sessions idle for longer than the timeout (not those mid-call)."""
        deadline = time.monotonic() - self.settings.idle_timeout_s
        idle = [
            s.id for s in self._sessions.values() if s.last_used < deadline and not s.lock.locked()
        ]
        for session_id in idle:
            await self.close(session_id, f"reaped after {self.settings.idle_timeout_s:g} s idle")
        if idle:
            logger.info("reaped %d idle sessions", len(idle))
        return len(idle)

    async def reap_forever(self) -> None:
        """The reaper's loop; runs for the server's lifetime."""
        while True:
            await asyncio.sleep(self.settings.reap_interval_s)
            try:
                await self.reap_idle()
            except Exception:
                logger.exception("the idle reaper failed; it will try again")

    async def close_all(self) -> None:
        """Close every session (server shutdown) and stop the thread pool."""
        for session_id in list(self._sessions):
            await self.close(session_id, "the server shut down")
        self._executor.shutdown(wait=False, cancel_futures=True)

    async def _call(
        self, cls: type[SkillGymEnv] | type[ReplicaEnv], call: Callable[[], T | Awaitable[T]]
    ) -> T:
        if getattr(cls, "asynchronous", False):  # a relay to a replica: its calls are coroutines
            return await cast(Awaitable[T], call())
        sync_call = cast(Callable[[], T], call)
        if cls.blocking:
            return await asyncio.get_running_loop().run_in_executor(self._executor, sync_call)
        return self._inline(cls, sync_call)

    def _inline(self, cls: type[SkillGymEnv] | type[ReplicaEnv], call: Callable[[], T]) -> T:
        started = time.perf_counter()
        try:
            return call()
        finally:
            elapsed = time.perf_counter() - started
            if elapsed > self.settings.inline_budget_s and cls not in self._warned_slow_inline:
                self._warned_slow_inline.add(cls)
                logger.warning(
                    "%s declares blocking=False but a call took %.1f ms on the event loop, "
                    "stalling every session on this server; declare blocking=True.",
                    cls.__name__,
                    elapsed * 1000,
                )

    def _remember_closed(self, session_id: str, reason: str) -> None:
        self._closed[session_id] = reason
        while len(self._closed) > self.settings.closed_memory:
            self._closed.popitem(last=False)
