"""Peer benchmark: MiniWoB++'s ``book-flight`` task, the closest peer of our flight env.

Measures the wall time of ``env.reset()`` and of one click-element ``env.step()``
(which includes MiniWoB's new observation: DOM elements, fields and screenshot)
of ``miniwob/book-flight-v1`` from the ``miniwob`` package, driving headless
Debian Chromium through its chromedriver, and reports p50 and p90 of each in ms.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import time
from importlib.metadata import version
from typing import Any

ENV_ID = "miniwob/book-flight-v1"
CHROME_BINARY = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
# The "From" text input: clicking it only focuses it, so the episode goes on.
CLICK_TARGET_ID = "flight-from"


def _p90(values: list[float]) -> float:
    """The 0.9 quantile (nearest rank) of ``values``."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(0.9 * len(ordered)) - 1)]


def _target_ref(observation: dict[str, Any]) -> int:
    """The ref of the ``#flight-from`` input in an observation's DOM elements."""
    for element in observation["dom_elements"]:
        if element["id"] == CLICK_TARGET_ID:
            return int(element["ref"])
    raise RuntimeError(f"{ENV_ID}: no element #{CLICK_TARGET_ID} in the observation")


def measure_miniwob(episodes: int = 20, steps: int = 30) -> dict[str, float | str]:
    """Reset and click-element step times of MiniWoB++ book-flight, in ms (p50 and p90).

    After one untimed warm-up reset and step, each of ``episodes`` episodes times
    one ``env.reset()`` and then ``steps`` click-element ``env.step()`` calls on
    the ``#flight-from`` input. An episode that terminates early is reset
    (untimed) and its steps go on.

    Args:
        episodes: Timed resets.
        steps: Timed click-element steps per episode.

    Returns:
        ``reset_p50_ms``, ``reset_p90_ms``, ``step_p50_ms``, ``step_p90_ms``, the
        number of timed resets (``episodes``) and of timed steps in all (``steps``),
        and the ``miniwob`` version.

    Raises:
        RuntimeError: If MiniWoB cannot run here; the message says what is missing.
        ValueError: If ``episodes`` or ``steps`` is below 1.
    """
    if episodes < 1 or steps < 1:
        raise ValueError(f"episodes and steps must be >= 1, got {episodes} and {steps}")
    # MiniWoB (selenium_instance.create_driver) reads these two together; with
    # render_mode=None it runs Chrome with headless, disable-gpu and no-sandbox.
    os.environ.setdefault("MINIWOB_CHROME_BINARY", CHROME_BINARY)
    os.environ.setdefault("MINIWOB_CHROMEDRIVER", CHROMEDRIVER)
    for var in ("MINIWOB_CHROME_BINARY", "MINIWOB_CHROMEDRIVER"):
        path = os.environ[var]
        if not os.access(path, os.X_OK):
            raise RuntimeError(
                f"MiniWoB++ needs Chromium and its chromedriver: {path} ({var}) is missing"
                " (apt-get install chromium chromium-driver, or set the variable)"
            )
    try:
        import gymnasium as gym
        from miniwob.action import ActionTypes  # type: ignore[import-untyped]
    except ImportError as exc:
        raise RuntimeError(
            f"MiniWoB++ needs the miniwob package: {exc} (pip install miniwob)"
        ) from exc

    try:
        env = gym.make(ENV_ID)
    except Exception as exc:
        raise RuntimeError(f"MiniWoB++ could not start {ENV_ID}: {exc}") from exc
    miniwob: Any = env.unwrapped  # MiniWoBEnvironment (untyped)
    resets: list[float] = []
    clicks: list[float] = []
    try:
        try:  # warm-up, untimed
            observation, _ = env.reset()
            click = miniwob.create_action(ActionTypes.CLICK_ELEMENT, ref=_target_ref(observation))
            env.step(click)
        except Exception as exc:
            raise RuntimeError(f"MiniWoB++ could not run {ENV_ID}: {exc}") from exc
        for _ in range(episodes):
            t0 = time.perf_counter()
            observation, _ = env.reset()
            resets.append(time.perf_counter() - t0)
            ref = _target_ref(observation)
            for _ in range(steps):
                action = miniwob.create_action(ActionTypes.CLICK_ELEMENT, ref=ref)
                t0 = time.perf_counter()
                _, _, terminated, truncated, _ = env.step(action)
                clicks.append(time.perf_counter() - t0)
                if terminated or truncated:
                    observation, _ = env.reset()
                    ref = _target_ref(observation)
    finally:
        env.close()

    return {
        "reset_p50_ms": statistics.median(resets) * 1000.0,
        "reset_p90_ms": _p90(resets) * 1000.0,
        "step_p50_ms": statistics.median(clicks) * 1000.0,
        "step_p90_ms": _p90(clicks) * 1000.0,
        "episodes": len(resets),
        "steps": len(clicks),
        "miniwob": version("miniwob"),
    }


def main(argv: list[str] | None = None) -> None:
    """Print MiniWoB++ book-flight's reset and click-element step times."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=20, help="timed resets")
    parser.add_argument("--steps", type=int, default=30, help="timed steps per episode")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    res = measure_miniwob(args.episodes, args.steps)
    if args.json:
        print(json.dumps(res))
        return
    print(
        f"miniwob {res['miniwob']} {ENV_ID} episodes={res['episodes']} steps={res['steps']}\n"
        f"  reset p50={res['reset_p50_ms']:7.2f}ms p90={res['reset_p90_ms']:7.2f}ms\n"
        f"  click-element step p50={res['step_p50_ms']:7.2f}ms p90={res['step_p90_ms']:7.2f}ms"
    )


if __name__ == "__main__":
    main()
