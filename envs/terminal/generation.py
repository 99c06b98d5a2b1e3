r"""What a terminal task's ``generate.py`` returns: the seeded parts of an episode.

A task folder may hold ``generate.py`` with ``generate(rng: random.Random) -> Generated``
(``generator: generate.py`` in ``task.yaml``); ``generator: static`` tasks have none.
The generator runs on the host, before the sandbox exists; its files join the task's
``fixtures/`` in the workspace, its variables fill the instruction's placeholders and are
exported to ``setup.sh`` and ``solution.sh``, and ``expected`` reaches only the tests
(``/verifier/params.json``), after the agent has submitted.

Example:
    >>> from random import Random
    >>> def generate(rng: Random) -> Generated:
    ...     n = rng.randint(2, 9)
    ...     return Generated(variables={"n": n}, files={"n.txt": f"{n}\\n"}, expected={"square": n * n})
    >>> generate(Random(0)).expected
    {'square': 64}
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Generated:
    """The seeded parts of one episode of a terminal task."""

    variables: dict[str, Any] = field(default_factory=dict)
    """Instruction placeholders; also environment variables of setup.sh and solution.sh."""
    files: Mapping[str, str | bytes] = field(default_factory=dict)
    """Workspace-relative path -> content, laid out before setup.sh runs."""
    expected: dict[str, Any] = field(default_factory=dict)
    """What the tests need to know and the agent must not (in params.json)."""
    executable: set[str] = field(default_factory=set)
    """Which of ``files`` get the executable bit."""
