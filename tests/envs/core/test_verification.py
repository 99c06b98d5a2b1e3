import pytest
from pydantic import ValidationError

from skillgym.envs.core.verification import FAILED_ESSENTIAL_FACTOR, Check, Verification


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


def test_a_failed_essential_check_leaves_a_fifth_of_the_share_passed():
    verdict = Verification.from_checks(
        [check("booked", True, weight=3), check("right booking cancelled", False, essential=True)]
    )
    assert verdict.score == pytest.approx(0.75 * FAILED_ESSENTIAL_FACTOR)
    assert verdict.score < 0.5 and not verdict.success


def test_passed_essential_checks_change_nothing():
    verdict = Verification.from_checks([check("kept", True, essential=True), check("seat", False)])
    assert verdict.score == 0.5


def test_a_family_score_is_gated_by_the_same_rule():
    checks = [check("model", True), check("cash from the cash flow", False, essential=True)]
    assert Verification.gated(0.9, checks).score == pytest.approx(0.9 * FAILED_ESSENTIAL_FACTOR)
    assert Verification.gated(0.9, checks[:1]).score == 0.9
