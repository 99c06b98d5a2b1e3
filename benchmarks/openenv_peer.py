"""Peer benchmark: OpenEnv (``openenv-core``) serving SkillGym's arithmetic env.

Measures OpenEnv's own FastAPI/uvicorn server (``openenv.core.env_server.create_app``)
driven by OpenEnv's own client (``openenv.core.GenericEnvClient``) over its
WebSocket path (``/ws``), so our benchmark can print our-vs-their ratios.

Usage::

    python benchmarks/openenv_peer.py serve --port 8000   # foreground server
    python benchmarks/openenv_peer.py bench               # self-contained run
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from typing import Any

from harness import HOST, free_port, percentile_ms, stop_process, wait_healthy
from openenv.core import GenericEnvClient
from openenv.core.env_server import Action, Environment, Observation, State, create_app

from skillgym.envs.arithmetic import ArithmeticEnv

TASK = "arithmetic/sum-list@1.0.0"
STEP_ACTION = json.dumps({"tool": "calculate", "args": {"expression": "1+2"}})
# OpenEnv defaults to max_concurrent_envs=1 (a second WebSocket session is
# rejected with CAPACITY_REACHED); the benchmark needs at least 256.
DEFAULT_MAX_SESSIONS = 1024
BENCH_PLAN: tuple[tuple[int, int], ...] = ((1, 2000), (32, 100), (256, 20))


class ToolCallAction(Action):
    """One SkillGym tool call, as the JSON string SkillGym's own protocol carries."""

    action: str = ""


class TextObservation(Observation):
    """SkillGym's observation: a dict of text fields (``done``/``reward``/``metadata`` from the base)."""

    fields: dict[str, str] = {}


class ArithmeticOnOpenEnv(Environment[ToolCallAction, TextObservation, State]):
    """SkillGym's arithmetic reference env behind OpenEnv's interface.

    Both stacks then do exactly the same environment work per call (the same task,
    calculator and verification), so the comparison measures the protocol stacks
    alone. ``reset_async``/``step_async`` run inline on OpenEnv's event loop (its
    fastest path), as SkillGym's server runs this non-blocking family inline.
    """

    SUPPORTS_CONCURRENT_SESSIONS = True

    def __init__(self) -> None:
        """Make the wrapped environment."""
        super().__init__()
        self._env = ArithmeticEnv(task=TASK)
        self._state = State(episode_id="0", step_count=0)

    def reset(
        self, seed: int | None = None, episode_id: str | None = None, **kwargs: Any
    ) -> TextObservation:
        """Reset the wrapped env."""
        observation, info = self._env.reset(seed=seed)
        self._state = State(episode_id=episode_id or "0", step_count=0)
        return TextObservation(fields=observation, metadata=info)

    def step(
        self, action: ToolCallAction, timeout_s: float | None = None, **kwargs: Any
    ) -> TextObservation:
        """Step the wrapped env with the tool call."""
        observation, reward, terminated, truncated, info = self._env.step(action.action)
        self._state.step_count += 1
        return TextObservation(
            fields=observation, done=terminated or truncated, reward=reward, metadata=info
        )

    async def reset_async(
        self, seed: int | None = None, episode_id: str | None = None, **kwargs: Any
    ) -> TextObservation:
        """Async reset, run inline by the server."""
        return self.reset(seed=seed, episode_id=episode_id)

    async def step_async(
        self, action: ToolCallAction, timeout_s: float | None = None, **kwargs: Any
    ) -> TextObservation:
        """Async step, run inline by the server."""
        return self.step(action)

    @property
    def state(self) -> State:
        """Return the current episode state."""
        return self._state


def serve(port: int, max_sessions: int = DEFAULT_MAX_SESSIONS, log_level: str = "warning") -> None:
    """Run OpenEnv's server for the wrapped arithmetic env in the foreground on loopback.

    Args:
        port: TCP port to bind on 127.0.0.1.
        max_sessions: OpenEnv ``max_concurrent_envs`` (concurrent WS sessions).
        log_level: uvicorn log level.
    """
    import uvicorn

    os.environ["ENABLE_WEB_INTERFACE"] = "false"
    app = create_app(
        ArithmeticOnOpenEnv,
        ToolCallAction,
        TextObservation,
        env_name="arithmetic",
        max_concurrent_envs=max_sessions,
    )
    uvicorn.run(app, host=HOST, port=port, log_level=log_level, access_log=False)


def start_openenv_server(port: int) -> subprocess.Popen:
    """Launch OpenEnv's server for the wrapped arithmetic env in a subprocess and wait for it.

    Args:
        port: TCP port to bind on 127.0.0.1.

    Returns:
        The running server process (caller must stop it).

    Raises:
        BenchError: If the server exits early or its ``/health`` route does
            not answer within ~30 s.
    """
    # log level "critical": openenv-core 0.3.0 logs a WebSocketDisconnect
    # traceback for every normal client close (its final websocket.close()
    # races the client's own close), which would flood stderr.
    cmd = [
        sys.executable,
        os.path.abspath(__file__),
        "serve",
        "--port",
        str(port),
        "--log-level",
        "critical",
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
    try:
        wait_healthy(proc, f"http://{HOST}:{port}/health")
    except BaseException:
        stop_process(proc)
        raise
    return proc


async def measure_openenv(base_url: str, sessions: int, steps_per_session: int) -> dict[str, Any]:
    """Drive ``sessions`` concurrent OpenEnv sessions and time the stepping phase.

    Uses ``GenericEnvClient``'s native async API (one WebSocket per session,
    all on this event loop; no threads). Each session is connected and reset
    once, then all sessions step concurrently ``steps_per_session`` times.

    Args:
        base_url: Server URL, e.g. ``http://127.0.0.1:8000``.
        sessions: Number of concurrent client sessions.
        steps_per_session: Steps per session.

    Returns:
        ``{"steps", "seconds", "latencies", "first_connect_reset_s"}``: total
        steps, wall seconds of the stepping phase, per-step latencies in
        seconds, and seconds for the first session's connect+reset.
    """
    clients = [GenericEnvClient(base_url=base_url) for _ in range(sessions)]
    latencies: list[float] = []

    async def open_session(client: GenericEnvClient) -> None:
        await client.connect()
        await client.reset()

    async def run_session(client: GenericEnvClient) -> None:
        for _ in range(steps_per_session):
            t0 = time.perf_counter()
            result = await client.step({"action": STEP_ACTION})
            latencies.append(time.perf_counter() - t0)
            if result.done:  # as SkillGym's loop does at the task's step limit
                await client.reset()

    try:
        t0 = time.perf_counter()
        await open_session(clients[0])
        first_connect_reset_s = time.perf_counter() - t0
        await asyncio.gather(*(open_session(c) for c in clients[1:]))

        t0 = time.perf_counter()
        await asyncio.gather(*(run_session(c) for c in clients))
        seconds = time.perf_counter() - t0
    finally:
        await asyncio.gather(*(c.close() for c in clients), return_exceptions=True)

    return {
        "steps": sessions * steps_per_session,
        "seconds": seconds,
        "latencies": latencies,
        "first_connect_reset_s": first_connect_reset_s,
    }


def _bench() -> None:
    """Start a server, run :data:`BENCH_PLAN`, print results, stop the server."""
    port = free_port()
    proc = start_openenv_server(port)
    try:
        base_url = f"http://{HOST}:{port}"
        for sessions, steps in BENCH_PLAN:
            res = asyncio.run(measure_openenv(base_url, sessions, steps))
            print(
                f"openenv sessions={sessions:4d} steps={res['steps']:6d} "
                f"steps/s={res['steps'] / res['seconds']:9.0f} "
                f"p50={percentile_ms(res['latencies'], 0.50):7.3f}ms "
                f"p99={percentile_ms(res['latencies'], 0.99):7.3f}ms "
                f"first_connect+reset={res['first_connect_reset_s'] * 1000:7.2f}ms"
            )
    finally:
        stop_process(proc)


def main(argv: list[str] | None = None) -> None:
    """CLI entry point: ``serve --port N`` or ``bench``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    p_serve = sub.add_parser("serve", help="run OpenEnv's server in the foreground")
    p_serve.add_argument("--port", type=int, required=True)
    p_serve.add_argument("--max-sessions", type=int, default=DEFAULT_MAX_SESSIONS)
    p_serve.add_argument("--log-level", default="warning")
    sub.add_parser("bench", help="start a server and benchmark 1/32/256 sessions")
    args = parser.parse_args(argv)
    if args.cmd == "serve":
        serve(args.port, args.max_sessions, args.log_level)
    else:
        _bench()


if __name__ == "__main__":
    main()
