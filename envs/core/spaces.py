"""Text spaces that accept any Unicode string, and their JSON description.

Gymnasium's own ``Text`` space only admits characters from a fixed charset, which
rejects ordinary prose (accents, CJK, emoji, newlines). SkillGym observations and
actions are prose, so :class:`UnicodeText` accepts every ``str`` up to a length.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces

# Printable code points that make readable samples: ASCII, Latin-1, Greek, CJK, emoji.
_SAMPLE_RANGES = ((0x20, 0x7E), (0xA0, 0x17F), (0x391, 0x3C9), (0x4E00, 0x4FFF), (0x1F600, 0x1F64F))


class UnicodeText(spaces.Space[str]):
    r"""Any Unicode string of at most ``max_length`` characters.

    Example:
        >>> space = UnicodeText(max_length=20)
        >>> space.contains("Grüße, 世界 👋\\n")
        True
        >>> space.contains("x" * 21)
        False
    """

    def __init__(
        self, max_length: int, *, min_length: int = 0, seed: int | np.random.Generator | None = None
    ) -> None:
        if not 0 <= min_length <= max_length:
            raise ValueError(
                f"Expects 0 <= min_length <= max_length, actual values: {min_length}, {max_length}"
            )
        self.max_length = max_length
        self.min_length = min_length
        super().__init__(dtype=str, seed=seed)

    @property
    def is_np_flattenable(self) -> bool:
        """Text has no fixed-size array form."""
        return False

    def sample(self, mask: Any = None, probability: Any = None) -> str:
        """A random string of printable characters from several scripts, within the length."""
        if mask is not None or probability is not None:
            raise ValueError("UnicodeText.sample does not take a mask or probability.")
        upper = min(self.max_length, max(self.min_length, 32))
        length = int(self.np_random.integers(self.min_length, upper + 1))
        chars = []
        for _ in range(length):
            low, high = _SAMPLE_RANGES[int(self.np_random.integers(len(_SAMPLE_RANGES)))]
            chars.append(chr(int(self.np_random.integers(low, high + 1))))
        return "".join(chars)

    def contains(self, x: Any) -> bool:
        """Whether ``x`` is a ``str`` within the length bounds."""
        return isinstance(x, str) and self.min_length <= len(x) <= self.max_length

    def __repr__(self) -> str:
        return f"UnicodeText(max_length={self.max_length}, min_length={self.min_length})"

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, UnicodeText)
            and other.max_length == self.max_length
            and other.min_length == self.min_length
        )

    def __hash__(self) -> int:
        return hash((UnicodeText, self.max_length, self.min_length))


def text_fields(names: tuple[str, ...], max_length: int) -> spaces.Dict:
    """The observation space of a family: a Dict of UnicodeText fields.

    Example:
        >>> text_fields(("instruction", "last_action_error"), 1000)["instruction"]
        UnicodeText(max_length=1000, min_length=0)
    """
    return spaces.Dict({name: UnicodeText(max_length) for name in names})


def space_to_json(space: spaces.Space[Any]) -> dict[str, Any]:
    """Describe a space as JSON, for ``GET /v1/envs``.

    Raises:
        TypeError: For a space SkillGym does not publish (only UnicodeText and Dict).
    """
    if isinstance(space, UnicodeText):
        return {
            "type": "UnicodeText",
            "max_length": space.max_length,
            "min_length": space.min_length,
        }
    if isinstance(space, spaces.Dict):
        return {"type": "Dict", "spaces": {k: space_to_json(v) for k, v in space.spaces.items()}}
    raise TypeError(f"Expects a UnicodeText or Dict space, actual value: {space!r}")


def space_from_json(data: dict[str, Any]) -> spaces.Space[Any]:
    """Rebuild a space from :func:`space_to_json`'s description.

    Raises:
        ValueError: For a description that is not one this module writes.
    """
    kind = data.get("type")
    if kind == "UnicodeText":
        return UnicodeText(int(data["max_length"]), min_length=int(data.get("min_length", 0)))
    if kind == "Dict":
        return spaces.Dict({k: space_from_json(v) for k, v in data["spaces"].items()})
    raise ValueError(
        f"Expects a space description of type UnicodeText or Dict, actual value: {data!r}"
    )
