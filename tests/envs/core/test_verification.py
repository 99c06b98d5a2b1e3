import pytest
from pydantic import ValidationError

from skillgym.envs.core.verification import Check, Verification


def test_score_is_the_weighted_fraction_of_passed_checks():
    verdict = Verification.from_checks(
        [Check(name="a", passed=True, weight=3), Check(name="b", passed=False)]
    )
    assert verdict.score == 0.75
    assert verdict.success is False


def test_success_needs_every_check_to_pass():
    assert Verification.from_checks(
        [Check(name="a", passed=True), Check(name="b", passed=True)]
    ).success


def test_a_verdict_needs_at_least_one_check():
    with pytest.raises(ValueError, match="at least one check"):
        Verification.from_checks([])


def test_score_outside_zero_to_one_is_refused():
    with pytest.raises(ValidationError):
        Verification(score=1.5, success=True, checks=[])
