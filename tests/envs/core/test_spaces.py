import pytest
from gymnasium import spaces

from skillgym.envs.core.spaces import UnicodeText, space_from_json, space_to_json, text_fields


@pytest.mark.parametrize(
    "text", ["", "plain", "Grüße, 世界 👋", "line one\nline two\ttab", "é" * 100]
)
def test_unicode_text_accepts_any_string_up_to_its_length(text):
    assert UnicodeText(max_length=100).contains(text)


@pytest.mark.parametrize("value", ["x" * 101, b"bytes", 5, None])
def test_unicode_text_rejects_long_strings_and_non_strings(value):
    assert not UnicodeText(max_length=100).contains(value)


def test_unicode_text_samples_are_members():
    space = UnicodeText(max_length=50, seed=3)
    assert all(space.contains(space.sample()) for _ in range(200))


def test_unicode_text_samples_are_reproducible_with_a_seed():
    assert [UnicodeText(40, seed=1).sample() for _ in range(3)] == [
        UnicodeText(40, seed=1).sample() for _ in range(3)
    ]


def test_unicode_text_refuses_inverted_bounds():
    with pytest.raises(ValueError, match="Expects 0 <= min_length <= max_length"):
        UnicodeText(max_length=3, min_length=5)


def test_space_json_round_trip_gives_an_equal_space():
    space = text_fields(("instruction", "last_action_error", "output"), 1000)
    rebuilt = space_from_json(space_to_json(space))
    assert isinstance(rebuilt, spaces.Dict)
    assert rebuilt == space


def test_space_to_json_refuses_spaces_it_does_not_publish():
    with pytest.raises(TypeError, match="Expects a UnicodeText or Dict space"):
        space_to_json(spaces.Discrete(3))
