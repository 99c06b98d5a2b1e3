"""Peer benchmark: OpenEnv (``openenv-core``) serving a trivial environment.

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
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from typing import Any

from openenv.core import GenericEnvClient
from openenv.core.env_server import Action, Environment, Observation, State, create_app

HOST = "127.0.0.1"
# OpenEnv defaults to max_concurrent_envs=1 (a second WebSocket session is
# rejected with CAPACITY_REACHED); the benchmark needs at least 256.
DEFAULT_MAX_SESSIONS = 1024
HEALTH_TIMEOUT_S = 30.0
BENCH_PLAN: tuple[tuple[int, int], ...] = ((1, 2000), (32, 100), (256, 20))


class TrivialAction(Action):
    """Action carrying an integer to echo back."""

    value: int = 0


class TrivialObservation(Observation):
    """Observation with a short text and the session's step counter."""

    text: str = ""
    counter: int = 0


class TrivialEnvironment(Environment[TrivialAction, TrivialObservation, State]):
    """Constant-cost environment: reset returns text, step increments a counter.

    ``reset_async``/``step_async`` are overridden so the server runs them inline
    on its event loop (OpenEnv's fastest path) instead of hopping to the
    per-session thread executor used for sync-only environments.
    """

    SUPPORTS_CONCURRENT_SESSIONS = True

    def __init__(self) -> None:
        """Initialise an environment with a zero counter."""
        super().__init__()
        self._state = State(episode_id="0", step_count=0)

    def reset(
        self, seed: int | None = None, episode_id: str | None = None, **kwargs: Any
    ) -> TrivialObservation:
        """Reset the counter and return a short text observation."""
        self._state = State(episode_id=episode_id or "0", step_count=0)
        return TrivialObservation(text="ready", counter=0)

    def step(
        self, action: TrivialAction, timeout_s: float | None = None, **kwargs: Any
    ) -> TrivialObservation:
        """Increment the counter and echo the action's value."""
        self._state.step_count += 1
        return TrivialObservation(
            text=str(action.value), counter=self._state.step_count, reward=0.0
        )

    async def reset_async(
        self, seed: int | None = None, episode_id: str | None = None, **kwargs: Any
    ) -> TrivialObservation:
        """Async reset, run inline by the server."""
        return self.reset(seed=seed, episode_id=episode_id)

    async def step_async(
        self, action: TrivialAction, timeout_s: float | None = None, **kwargs: Any
    ) -> TrivialObservation:
        """Async step, run inline by the server."""
        return self.step(action)

    @property
    def state(self) -> State:
        """Return the current episode state."""
        return self._state


TRIVIAL_ENV = TrivialEnvironment


def serve(
    port: int, max_sessions: int = DEFAULT_MAX_SESSIONS, log_level: str = "warning"
) -> None:
    """Run OpenEnv's server for ``TRIVIAL_ENV`` in the foreground on loopback.

    Args:
        port: TCP port to bind on 127.0.0.1.
        max_sessions: OpenEnv ``max_concurrent_envs`` (concurrent WS sessions).
        log_level: uvicorn log level.
    """
    import uvicorn

    os.environ["ENABLE_WEB_INTERFACE"] = "false"
    app = create_app(
        TRIVIAL_ENV,
        TrivialAction,
        TrivialObservation,
        env_name="trivial",
        max_concurrent_envs=max_sessions,
    )
    uvicorn.run(app, host=HOST, port=port, log_level=log_level, access_log=False)


def _free_port() -> int:
    """Return a currently free TCP port on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def stop_openenv_server(proc: subprocess.Popen) -> None:
    """Terminate a server started by :func:`start_openenv_server`.

    Args:
        proc: The server process.
    """
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


def start_openenv_server(port: int) -> subprocess.Popen:
    """Launch OpenEnv's server for ``TRIVIAL_ENV`` in a subprocess and wait for it.

    Args:
        port: TCP port to bind on 127.0.0.1.

    Returns:
        The running server process (caller must stop it).

    Raises:
        RuntimeError: If the server exits early or its ``/health`` route does
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
    url = f"http://{HOST}:{port}/health"
    deadline = time.monotonic() + HEALTH_TIMEOUT_S
    try:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(
                    f"OpenEnv server exited early with code {proc.returncode}"
                )
            try:
                with urllib.request.urlopen(url, timeout=1.0) as resp:
                    if resp.status == 200:
                        return proc
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.1)
        raise RuntimeError(
            f"OpenEnv server did not answer {url} within {HEALTH_TIMEOUT_S:.0f} s"
        )
    except BaseException:
        stop_openenv_server(proc)
        raise


async def measure_openenv(
    base_url: str, sessions: int, steps_per_session: int
) -> dict[str, Any]:
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
        for i in range(steps_per_session):
            t0 = time.perf_counter()
            await client.step({"value": i})
            latencies.append(time.perf_counter() - t0)

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


def _percentile_ms(values: list[float], q: float) -> float:
    """Return the ``q`` quantile (0..1, nearest rank) of ``values`` in ms."""
    ordered = sorted(values)
    idx = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[idx] * 1000.0


def _bench() -> None:
    """Start a server, run :data:`BENCH_PLAN`, print results, stop the server."""
    port = _free_port()
    proc = start_openenv_server(port)
    try:
        base_url = f"http://{HOST}:{port}"
        for sessions, steps in BENCH_PLAN:
            res = asyncio.run(measure_openenv(base_url, sessions, steps))
            print(
                f"openenv sessions={sessions:4d} steps={res['steps']:6d} "
                f"steps/s={res['steps'] / res['seconds']:9.0f} "
                f"p50={_percentile_ms(res['latencies'], 0.50):7.3f}ms "
                f"p99={_percentile_ms(res['latencies'], 0.99):7.3f}ms "
                f"first_connect+reset={res['first_connect_reset_s'] * 1000:7.2f}ms"
            )
    finally:
        stop_openenv_server(proc)


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
