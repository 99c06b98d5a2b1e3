"""Hidden seeds: drawn when a run starts, committed to by a hash, revealed when it ends.

Every task is generated from its seed, so fresh seeds are free and a published suite
cannot be memorised. The commitment, shown from the start, lets anyone check after
the reveal that the seeds were not changed while the run was played.

Example:
    >>> salt, seeds = "ab" * 16, [7, 11]
    >>> verify_commitment(salt, seeds, commitment(salt, seeds))
    True
    >>> verify_commitment(salt, [7, 12], commitment(salt, seeds))
    False
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

SEED_BOUND = 2**31 - 1


def draw_seeds(count: int) -> list[int]:
    """``count`` seeds from the operating system's secure generator."""
    return [secrets.randbelow(SEED_BOUND) for _ in range(count)]


def new_salt() -> str:
    """128 random bits, hex: without them the few seeds of a small run could be guessed."""
    return secrets.token_hex(16)


def commitment(salt: str, seeds: list[int]) -> str:
    """``sha256("<salt>:<seed>,<seed>,...")``, hex: what a run page shows before the reveal."""
    text = f"{salt}:{','.join(str(seed) for seed in seeds)}"
    return hashlib.sha256(text.encode()).hexdigest()


def verify_commitment(salt: str, seeds: list[int], expected: str) -> bool:
    """Whether ``salt`` and ``seeds`` are what ``expected`` committed to."""
    return hmac.compare_digest(commitment(salt, seeds), expected)
