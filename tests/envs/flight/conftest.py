"""Fixtures of the flight family's tests: a site over a seeded database, and environments."""

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from random import Random

import pytest

from skillgym.envs.flight import FlightEnv
from skillgym.envs.flight.inventory import generate_inventory
from skillgym.envs.flight.site.app import FlightSite
from skillgym.envs.flight.store import FlightStore

TODAY = date(2026, 5, 1)
FIRST_DAY = date(2026, 5, 4)
ROUTE = ("LHR", "CDG")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[FlightStore]:
    inventory = generate_inventory(Random(1), [ROUTE, ("CDG", "LHR")], FIRST_DAY, days=5)
    store = FlightStore.create(tmp_path / "site.db", inventory)
    yield store
    store.close()


@pytest.fixture
def site(store: FlightStore) -> FlightSite:
    return FlightSite(store, today=TODAY, rng=Random(2), result_delay_ms=0)


@pytest.fixture
def env() -> Iterator[FlightEnv]:
    env = FlightEnv(task="flight/cheapest-nonstop")
    yield env
    env.close()
