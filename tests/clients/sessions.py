"""What the twins' tests share: tasks, actions, quick retries and the server's session count."""

import contextlib
import json
import logging
import threading
from collections.abc import Iterator

import httpx

from skillgym.clients import RetryPolicy
from skillgym.envs.core.tasks import TaskCatalog

TRANSPORTS = ["http", "websocket"]
TASKS = [spec.ref for spec in TaskCatalog.load().latest("arithmetic")]
CALCULATE = json.dumps({"tool": "calculate", "args": {"expression": "3 * 3"}})
SUBMIT = json.dumps({"tool": "submit", "args": {"answer": "1"}})
FAST_RETRY = RetryPolicy(attempts=3, backoff_s=0.01, jitter=0)


def open_count(base_url: str) -> int:
    """How many sessions the server holds now."""
    return httpx.get(f"{base_url}/v1/sessions").json()["count"]


class RetryWatch(logging.Handler):
    """Collects the clients' "trying again" log lines, and says when the first one came."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.retries: list[str] = []
        self.retried = threading.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if "trying again" in record.getMessage():
            self.retries.append(record.getMessage())
            self.retried.set()


@contextlib.contextmanager
def watching_retries() -> Iterator[RetryWatch]:
    """A :class:`RetryWatch` on the clients' logger while the block runs."""
    logger = logging.getLogger("skillgym.clients")
    watch, level = RetryWatch(), logger.level
    logger.addHandler(watch)
    logger.setLevel(logging.INFO)
    try:
        yield watch
    finally:
        logger.removeHandler(watch)
        logger.setLevel(level)
