"""Seeded access log: endpoints with different latency profiles, 5xx lines, garbage lines."""

from __future__ import annotations

import math
from random import Random

from skillgym.envs.terminal.generation import Generated

ENDPOINTS = ["/api/users", "/api/orders", "/api/search", "/health", "/api/cart", "/login"]


def p95(values: list[int]) -> int:
    """The nearest-rank 95th percentile."""
    ordered = sorted(values)
    return ordered[math.ceil(0.95 * len(ordered)) - 1]


def generate(rng: Random) -> Generated:
    """One gateway log and the report it should give."""
    chosen = rng.sample(ENDPOINTS, 4)
    routes = [(rng.choice(["GET", "POST"]), path) for path in chosen] + [
        ("GET", chosen[0] + "/export")
    ]
    if routes[0][0] == "POST":
        routes.append(("GET", routes[0][1]))  # same path, other method: a separate endpoint
    durations: dict[str, list[int]] = {}
    lines = []
    for i in range(rng.randint(400, 700)):
        method, path = rng.choice(routes)
        scale = 20 + 40 * routes.index((method, path))
        duration = int(rng.expovariate(1 / scale)) + 1
        status = rng.choices([200, 201, 404, 500, 503], weights=[70, 10, 8, 6, 6])[0]
        query = f"?id={rng.randint(1, 999)}" if rng.random() < 0.3 else ""
        stamp = f"2025-03-{1 + i // 400:02d}T{(i // 60) % 24:02d}:{i % 60:02d}:{rng.randint(0, 59):02d}Z"
        lines.append(f"{stamp} {method} {path}{query} {status} {duration}ms")
        if status < 500:
            durations.setdefault(f"{method} {path}", []).append(duration)
        if rng.random() < 0.02:
            lines.append(rng.choice(["-- log rotated --", "", "GET /broken", "\x00\x00partial"]))
    expected = {key: p95(values) for key, values in sorted(durations.items())}
    log_name = f"gateway-{rng.randint(1, 9)}.log"
    return Generated(
        variables={"log_name": log_name},
        files={f"logs/{log_name}": "\n".join(lines) + "\n"},
        expected={"report": expected},
    )
