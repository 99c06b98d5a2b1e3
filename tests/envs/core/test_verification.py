import pytest
from pydantic import ValidationError

from skillgym.envs.core.verification import Check, Verification


def check(name, passed, **fields):
    return Check(
        name=name, passed=passed, expected="yes", actual="yes" if passed else "no", **fields
    )


def test_score_is_the_weighted_fraction_of_passed_checks():
    verdict = Verification.from_checks([check("a", True, weight=3), check("b", False)])
    assert verdict.score == 0.75
    assert verdict.success is False


def test_success_needs_every_check_to_pass():
    assert Verification.from_checks([check("a", True), check("b", True)]).success


def test_a_verdict_needs_at_least_one_check():
    with pytest.raises(ValueError, match="at least one check"):
        Verification.from_checks([])


def test_score_outside_zero_to_one_is_refused():
    with pytest.raises(ValidationError):
        Verification(score=1.5, success=True, checks=[])


@pytest.mark.parametrize("missing", ["expected", "actual"])
def test_a_check_must_say_what_was_expected_and_what_was_found(missing):
    fields = {"name": "answer", "passed": False, "expected": "42", "actual": "41"}
    with pytest.raises(ValidationError, match=missing):
        Check(**{**fields, missing: None})
    with pytest.raises(ValidationError, match=missing):
        Check(**{**fields, missing: ""})
