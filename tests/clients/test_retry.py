"""The one retry policy both clients ask: which failed calls are tried again, and when."""

import re
from datetime import UTC, datetime

import pytest

from skillgym.clients.retry import Failure, FailureKind, Retries, RetryPolicy, parse_retry_after
from skillgym.errors import (
    RemoteConnectionError,
    RemoteError,
    RemoteTimeoutError,
    SandboxError,
    ServerFullError,
)

POLICY = RetryPolicy(attempts=4, backoff_s=0.1, max_backoff_s=0.3, jitter=0, max_retry_after_s=30)
NOT_SENT = Failure(FailureKind.NOT_SENT, RemoteConnectionError("connection refused"))
DROPPED = Failure(FailureKind.DROPPED, RemoteConnectionError("server disconnected"))
NO_ANSWER = Failure(FailureKind.NO_ANSWER, RemoteTimeoutError("no answer"))


def full(retry_after_s: float | None, status: int = 503) -> Failure:
    return Failure(FailureKind.ANSWERED, ServerFullError("full"), status, retry_after_s)


def test_retry_policy_honours_retry_after():
    assert POLICY.wait_before_retry(1, full(2), repeatable=False) == 2
    assert POLICY.wait_before_retry(1, full(7, status=429), repeatable=False) == 7


def test_retry_policy_does_not_wait_for_a_retry_after_longer_than_it_allows():
    assert POLICY.wait_before_retry(1, full(31), repeatable=True) is None


def test_retry_policy_backs_off_on_a_429_without_retry_after():
    assert POLICY.wait_before_retry(2, full(None, status=429), repeatable=False) == 0.2


def test_retry_policy_does_not_retry_a_failing_sandbox_or_any_other_error_answer():
    sandbox = Failure(FailureKind.ANSWERED, SandboxError("the container died"), 503)
    missing = Failure(FailureKind.ANSWERED, RemoteError("gone", status=404, remote_code=""), 404)
    assert POLICY.wait_before_retry(1, sandbox, repeatable=True) is None
    assert POLICY.wait_before_retry(1, missing, repeatable=True) is None


def test_retry_policy_resends_any_call_that_never_reached_the_server():
    assert POLICY.wait_before_retry(1, NOT_SENT, repeatable=False) == 0.1


def test_retry_policy_never_resends_a_call_that_may_have_been_applied():
    assert POLICY.wait_before_retry(1, DROPPED, repeatable=False) is None
    assert POLICY.wait_before_retry(1, DROPPED, repeatable=True) == 0.1


def test_retry_policy_does_not_resend_a_call_that_got_no_answer_in_time():
    assert POLICY.wait_before_retry(1, NO_ANSWER, repeatable=True) is None


def test_retry_policy_backoff_doubles_up_to_its_cap_and_stops_after_its_attempts():
    waits = [POLICY.wait_before_retry(n, NOT_SENT, repeatable=True) for n in (1, 2, 3, 4)]
    assert waits == [0.1, 0.2, 0.3, None]


def test_jitter_only_lengthens_the_wait_and_by_at_most_its_share():
    jittery = RetryPolicy(backoff_s=1.0, jitter=0.5)
    waits = {jittery.wait_before_retry(1, NOT_SENT, repeatable=True) for _ in range(200)}
    assert all(1.0 <= wait <= 1.5 for wait in waits) and len(waits) > 1


def test_retries_count_the_tries_and_raise_the_failure_when_the_policy_gives_up():
    retries = Retries(RetryPolicy(attempts=2, jitter=0), "POST /v1/sessions", repeatable=False)
    assert retries.wait_after(NOT_SENT) == 0.1
    with pytest.raises(RemoteConnectionError, match="connection refused"):
        retries.wait_after(NOT_SENT)


def test_a_policy_that_never_tries_is_refused():
    with pytest.raises(ValueError, match=re.escape("Expects attempts >= 1, actual value: 0")):
        RetryPolicy(attempts=0)


def test_retry_after_is_read_as_seconds_or_as_an_http_date():
    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after("Thu, 01 Jan 2026 12:00:05 GMT", now=now) == 5.0
    assert parse_retry_after("Thu, 01 Jan 2026 11:00:00 GMT", now=now) == 0.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None
