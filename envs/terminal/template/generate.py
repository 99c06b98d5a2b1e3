"""A shared application log with errors from several services: the terminal template.

``generate`` draws the episode from ``rng`` and returns ``Generated``:

- ``variables`` fill the instruction's ``{placeholders}`` and are exported to setup.sh,
  solution.sh and cheats/*.sh (``$log_name``);
- ``files`` are written into the workspace (beside anything in ``fixtures/``);
- ``expected`` reaches only the tests, as ``params.json``, after the agent submits.

To make it your task, change what is drawn and what the tests expect, together. Keep the
answer out of ``files`` and ``variables``: the agent sees both. Everything random comes
from ``rng``: the same task version and seed give the same workspace.
"""

from __future__ import annotations

from collections import Counter
from random import Random

from pydantic import BaseModel, ConfigDict, Field

from skillgym.envs.terminal.generation import Generated

SERVICES = ("auth", "billing", "search", "mailer", "gateway", "thumbnails", "reports")
LEVELS = ("DEBUG", "INFO", "WARN", "ERROR")
MESSAGES = (
    "request handled",
    "cache miss",
    "retrying upstream call",
    "connection reset by peer",
    "upstream returned ERROR 502",  # a WARN line that mentions ERROR is not an error
    "timeout after 30s",
)


class Params(BaseModel):
    """What task.yaml's ``params:`` may set; ``extra="forbid"`` refuses a misspelt key."""

    model_config = ConfigDict(extra="forbid")

    lines: int = Field(default=400, ge=50, le=100_000)


def report(errors: Counter[str]) -> list[str]:
    """``service count`` lines: the most errors first, ties in alphabetical order."""
    return [f"{s} {n}" for s, n in sorted(errors.items(), key=lambda item: (-item[1], item[0]))]


def generate(rng: Random, params: Params) -> Generated:
    """One log and the report it must give."""
    services = rng.sample(SERVICES, 5)
    errors: Counter[str] = Counter()
    lines = []
    for i in range(params.lines):
        service = rng.choice(services)
        level = rng.choices(LEVELS, weights=(20, 50, 18, 12))[0]
        stamp = f"2025-06-{1 + i // 200:02d}T{(i // 10) % 24:02d}:{i % 60:02d}:{i % 57:02d}Z"
        lines.append(f"{stamp} {level} {service}: {rng.choice(MESSAGES)}")
        if level == "ERROR":
            errors[service] += 1
    log_name = f"app-{rng.randint(1, 9)}.log"
    return Generated(
        variables={"log_name": log_name},
        files={f"logs/{log_name}": "\n".join(lines) + "\n"},
        expected={"report": report(errors)},
    )
