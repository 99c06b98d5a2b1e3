"""A run's score: mean with a 95% bootstrap interval, success rate, per-family means.

Example:
    >>> s = summarize([1.0, 0.0, 1.0, 1.0], [True, False, True, True], ["a", "a", "b", "b"], seed=0)
    >>> s.mean, s.success_rate, s.family_scores
    (0.75, 0.75, {'a': 0.5, 'b': 1.0})
    >>> 0.0 <= s.ci_low <= s.mean <= s.ci_high <= 1.0
    True
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from skillgym.envs.core.protocol import RunScore

RESAMPLES = 2_000


def bootstrap_interval(
    rewards: list[float], *, seed: int, level: float = 0.95, resamples: int = RESAMPLES
) -> tuple[float, float]:
    """The percentile bootstrap interval of the mean of ``rewards`` (reproducible by ``seed``)."""
    values = np.asarray(rewards, dtype=np.float64)
    if values.size == 0:
        return 0.0, 0.0
    if values.size == 1 or np.all(values == values[0]):
        return float(values[0]), float(values[0])
    rng = np.random.default_rng(seed)
    means = values[rng.integers(0, values.size, size=(resamples, values.size))].mean(axis=1)
    tail = (1.0 - level) / 2 * 100
    low, high = np.percentile(means, [tail, 100 - tail])
    return float(low), float(high)


def summarize(
    rewards: list[float], successes: list[bool], families: list[str], *, seed: int
) -> RunScore:
    """The score of a run's episodes (each list holds one entry per episode)."""
    n = len(rewards)
    by_family: dict[str, list[float]] = defaultdict(list)
    for reward, family in zip(rewards, families, strict=True):
        by_family[family].append(reward)
    low, high = bootstrap_interval(rewards, seed=seed)
    return RunScore(
        episodes=n,
        mean=float(np.mean(rewards)) if n else 0.0,
        ci_low=low,
        ci_high=high,
        success_rate=sum(successes) / n if n else 0.0,
        family_scores={f: float(np.mean(v)) for f, v in sorted(by_family.items())},
    )
