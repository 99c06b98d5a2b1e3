"""The results page in a real Chromium: what its status, cards and fares say about seats."""

from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from random import Random
from urllib.parse import urlencode

import pytest

from skillgym.envs.flight.browser import browser_host
from skillgym.envs.flight.driver import PageDriver
from skillgym.envs.flight.inventory import generate_inventory
from skillgym.envs.flight.pricing import money
from skillgym.envs.flight.site.app import FlightSite
from skillgym.envs.flight.store import FlightStore

from .conftest import FIRST_DAY, ROUTE, TODAY

TIMEOUT = 30


class Browser:
    """One page on the site, driven through the environment's own driver."""

    def __init__(self, site: FlightSite) -> None:
        self.host = browser_host()
        self.driver = PageDriver(self.host, site)
        self.call(self.driver.open)
        self.click("cookie-accept")

    def call(self, make: Callable[[], Awaitable[object]]) -> object:
        return self.host.call(make, TIMEOUT)

    def click(self, element: str) -> None:
        self.call(lambda: self.driver.click(element))

    def untick(self, element: str) -> None:
        self.call(lambda: self.driver.check(element, False))

    def text(self) -> str:
        return self.call(self.driver.view).tree

    def results(self, **party: int) -> str:
        """The results of a one-way search on ``ROUTE`` on ``FIRST_DAY``, once they arrived."""
        query = {"trip": "oneway", "from": ROUTE[0], "to": ROUTE[1], "depart": FIRST_DAY}
        query |= {"adults": 1, "children": 0, "infants": 0, "cabin": "economy", **party}
        self.call(lambda: self.driver.goto("/results?" + urlencode(query)))
        for _ in range(40):
            page = self.text()
            if "Searching" not in page:
                return page
            self.call(lambda: self.driver.wait(250))
        raise AssertionError("the results never arrived")

    def show(self, itinerary: int) -> str:
        """Press "Show more flights" until the itinerary's card is listed."""
        page = self.text()
        while f"[it-{itinerary}]" not in page:
            assert "[show-more]" in page, f"it-{itinerary} is not on the page"
            self.click("show-more")
            page = self.text()
        return page

    def close(self) -> None:
        self.call(self.driver.close)


@pytest.fixture
def busy_store(tmp_path: Path) -> Iterator[FlightStore]:
    """An inventory with more flights on ``ROUTE`` on ``FIRST_DAY`` than one page lists."""
    inventory = generate_inventory(Random(0), [ROUTE, ROUTE[::-1]], FIRST_DAY, days=5)
    store = FlightStore.create(tmp_path / "site.db", inventory)
    yield store
    store.close()


@pytest.fixture
def browser(busy_store: FlightStore) -> Iterator[Browser]:
    site = FlightSite(busy_store, today=TODAY, rng=Random(2), result_delay_ms=0)
    page = Browser(site)
    yield page
    page.close()


def itineraries(store: FlightStore) -> list:
    return store.rows(
        "SELECT * FROM itineraries WHERE origin = ? AND destination = ? AND day = ? ORDER BY id",
        *ROUTE,
        FIRST_DAY.isoformat(),
    )


def economy_fares(store: FlightStore, itinerary: int) -> list:
    return store.rows(
        "SELECT * FROM fares WHERE itinerary_id = ? AND cabin = 'economy' ORDER BY id", itinerary
    )


def test_status_counts_only_the_flights_listed(browser, busy_store):
    found = len(itineraries(busy_store))
    one_stop = sum(it["stops"] > 0 for it in itineraries(busy_store))
    assert found > 8 > one_stop > 0
    page = browser.results()
    assert page.count("[it-") == 8
    assert f"8 of {found} matching flights shown; Show more flights lists the rest" in page
    browser.click("show-more")
    page = browser.text()
    assert page.count("[it-") == found and "[show-more]" not in page
    assert f"{found} of {found} matching flights shown" in page and "lists the rest" not in page
    browser.untick("filter-stops-0")
    page = browser.text()
    assert page.count("[it-") == one_stop
    assert (
        f"{one_stop} of {one_stop} matching flights shown; "
        f"{found - one_stop} of the {found} found are hidden by the filters"
    ) in page


def test_a_card_says_its_price_is_the_cheapest_fare_with_seats_for_the_party(browser, busy_store):
    page = browser.results(adults=3)
    browser.click("show-more")
    page = browser.text()
    bookable = 0
    for it in itineraries(busy_store):
        open_fares = [f for f in economy_fares(busy_store, it["id"]) if f["seats_left"] >= 3]
        if open_fares:
            bookable += 1
            cheapest = money(min(f["adult_cents"] for f in open_fares))
            assert (
                f"from {cheapest} per adult, the cheapest fare with the 3 seats your party needs"
                in page
            )
    assert bookable and "per adult" in page
    page = browser.results()
    assert "per adult, the cheapest fare with a seat left" in page


def test_a_fare_with_fewer_seats_than_the_party_needs_says_so(browser, busy_store):
    # One fare of a bookable flight keeps a single seat: the party of three cannot have it.
    it = next(
        it
        for it in itineraries(busy_store)
        if sum(f["seats_left"] >= 3 for f in economy_fares(busy_store, it["id"])) >= 2
    )
    short = economy_fares(busy_store, it["id"])[0]
    busy_store.db.execute("UPDATE fares SET seats_left = 1 WHERE id = ?", (short["id"],))
    browser.results(adults=3)
    browser.show(it["id"])
    browser.click(f"it-{it['id']}")
    page = browser.text()
    assert "Only 1 seat left at this price: not enough for the 3 seats your party needs" in page
    assert (
        f'[fare-{short["id"]}] button "{short["family"]}: not enough seats for your party" disabled'
        in page
    )
    assert f"{short['family']} sold out" not in page
