"""The flight goals read bookings from the database: right, wrong, extra and hedged ones.

Every check says what was expected and what was found in the site's own terms: euros as
the site prints them, flights as its pages describe them, names, seats and dates.
"""

import re
from collections.abc import Iterator

import pytest

from skillgym.envs.core.episode import run_episode
from skillgym.envs.core.policies import noop_policy
from skillgym.envs.core.tasks import TaskCatalog
from skillgym.envs.core.verification import Check, Verification
from skillgym.envs.flight import FlightEnv
from skillgym.envs.flight.goals import BookGoal, CancelGoal, ChangeGoal, DeclineGoal
from skillgym.envs.flight.pricing import money, quote
from skillgym.envs.flight.site.search import describe_itinerary
from skillgym.envs.flight.store import FlightStore, Passenger
from tests.envs.episodes import play_oracle, unreadable

ADA = Passenger("adult", "Ada", "Lovelace", "1990-02-03")


def two_fares(store: FlightStore) -> tuple[tuple[int, int], tuple[int, int]]:
    rows = store.rows(
        "SELECT id, itinerary_id FROM fares WHERE family = 'Light' ORDER BY id LIMIT 2"
    )
    return (rows[0]["itinerary_id"], rows[0]["id"]), (rows[1]["itinerary_id"], rows[1]["id"])


def book(store: FlightStore, ref: str, leg: tuple[int, int], **changes) -> None:
    passengers = changes.pop("passengers", [ADA])
    seats = changes.pop("seats", {})
    insurance = changes.pop("insurance", False)
    total = quote(
        store,
        types=[p.type for p in passengers],
        legs={"out": leg[1]},
        seat_cents=[price for _, price in seats.values()],
        insurance=insurance,
    ).total
    store.add_booking(
        ref,
        contact_email="ada@example.com",
        passengers=passengers,
        legs={"out": leg},
        seats=seats,
        insurance=insurance,
        total_cents=total,
        card_last4="4242",
    )


def verdict(checks) -> tuple[float, bool, list[str]]:
    passed = sum(c.passed for c in checks)
    return passed / len(checks), passed == len(checks), [c.name for c in checks if not c.passed]


def goal(right: tuple[int, int]) -> BookGoal:
    return BookGoal(options={(right,)}, passengers=[ADA], email="ada@example.com")


def test_the_right_booking_passes_every_check(store):
    right, _ = two_fares(store)
    book(store, "RIGHT1", right)
    assert verdict(goal(right).checks(store, None)) == (1.0, True, [])


def test_a_wrong_flight_fails_flights_and_fare_only(store):
    right, wrong = two_fares(store)
    book(store, "WRONG1", wrong)
    assert verdict(goal(right).checks(store, None)) == (0.75, False, ["flights", "fare"])


def test_booking_several_candidates_is_judged_on_the_worst_and_never_succeeds(store):
    right, wrong = two_fares(store)
    book(store, "RIGHT1", right)
    book(store, "WRONG1", wrong)
    score, success, failed = verdict(goal(right).checks(store, None))
    assert not success and score < 0.75
    assert failed == ["one booking", "flights", "fare"]


def test_a_cancelled_mistake_still_counts_against_one_booking(store):
    right, wrong = two_fares(store)
    book(store, "WRONG1", wrong)
    store.cancel(store.booking("WRONG1").id, 0)
    book(store, "RIGHT1", right)
    assert verdict(goal(right).checks(store, None))[2] == ["one booking"]


def test_a_seat_nobody_asked_for_and_insurance_fail_their_checks(store):
    right, _ = two_fares(store)
    segment = store.segments_of(right[0])[0]["id"]
    book(store, "RIGHT1", right, seats={(0, segment): ("20C", 900)}, insurance=True)
    assert verdict(goal(right).checks(store, None))[2] == ["seats", "price"]


def test_a_requested_aisle_seat_is_checked_on_the_seat_map(store):
    right, _ = two_fares(store)
    segment = store.segments_of(right[0])[0]["id"]
    aisle = next(s for s in store.seats(segment) if s.position == "aisle" and not s.taken)
    window = next(s for s in store.seats(segment) if s.position == "window" and not s.taken)
    wanted = goal(right)
    wanted.seat_positions = {"ada lovelace": "aisle"}
    book(store, "AISLE1", right, seats={(0, segment): (aisle.seat, aisle.price_cents)})
    assert verdict(wanted.checks(store, None))[1]
    store.db.execute("UPDATE booking_seats SET seat = ? ", (window.seat,))
    assert "seats" in verdict(wanted.checks(store, None))[2]


def test_wrong_traveller_details_fail_travellers(store):
    right, _ = two_fares(store)
    book(store, "RIGHT1", right, passengers=[Passenger("adult", "Ada", "Lovelace", "1990-03-02")])
    assert verdict(goal(right).checks(store, None))[2] == ["travellers"]


def test_declining_needs_the_figure_and_no_other_price(store):
    decline = DeclineGoal(figure="187.99", reason="no non-stop within budget", allowed=("150.00",))
    assert verdict(decline.checks(store, None))[0] == 0.0
    assert verdict(decline.checks(store, "None under €150.00; the cheapest is €187.99."))[1]
    assert verdict(decline.checks(store, "No flight fits the budget."))[0] == 0.0
    assert verdict(decline.checks(store, "Prices: €187.99, €201.99, €250.99"))[0] == 0.0
    right, _ = two_fares(store)
    book(store, "RIGHT1", right)
    assert verdict(decline.checks(store, "The cheapest is €187.99."))[0] == 0.5


# ---- revision 2: essential checks, what is asked judged against the task ------------------
BEA = Passenger("adult", "Bea", "Lovelace", "1992-04-05")


def score(checks) -> float:
    return Verification.from_checks(checks).score


def test_from_revision_2_a_traveller_left_out_fails_the_bags_and_price_asked_for(store):
    right, _ = two_fares(store)
    wanted = BookGoal(
        options={(right,)},
        passengers=[ADA, BEA],
        email="ada@example.com",
        bags={"bea lovelace": 1},
    )
    book(store, "HALF01", right)  # Ada alone: Bea and her bag are left out
    assert verdict(wanted.checks(store, None))[2] == ["travellers"]
    checks = wanted.checks(store, None, verifier=2)
    assert verdict(checks)[2] == ["travellers", "bags", "price"]
    by = {c.name: c for c in checks}
    two_adults_one_bag = quote(store, types=["adult", "adult"], legs={"out": right[1]}, bags=[0, 1])
    assert by["price"].expected == f"{money(two_adults_one_bag.total)}, without insurance"
    assert by["bags"].expected == "1 extra bag for Bea Lovelace"
    assert score(checks) < 0.5


def test_from_revision_2_a_requested_seat_for_a_traveller_left_out_fails_seats(store):
    right, _ = two_fares(store)
    wanted = BookGoal(
        options={(right,)},
        passengers=[ADA, BEA],
        email="ada@example.com",
        seat_positions={"bea lovelace": "aisle"},
    )
    book(store, "HALF01", right)
    assert "seats" not in verdict(wanted.checks(store, None))[2]
    seats = {c.name: c for c in wanted.checks(store, None, verifier=2)}["seats"]
    assert not seats.passed and seats.actual == "Bea Lovelace: not booked"


def test_from_revision_2_every_booking_check_but_the_contact_is_essential(store):
    right, _ = two_fares(store)
    book(store, "RIGHT1", right)
    checks = goal(right).checks(store, None, verifier=2)
    assert {c.name for c in checks if not c.essential} == {"contact"}
    assert score(checks) == 1.0
    assert not any(c.essential for c in goal(right).checks(store, None))


def test_from_revision_2_a_seat_nobody_asked_for_leaves_at_most_a_fifth(store):
    right, _ = two_fares(store)
    segment = store.segments_of(right[0])[0]["id"]
    free = next(s for s in store.seats(segment) if not s.taken and s.cabin == "economy")
    book(store, "SEAT01", right, seats={(0, segment): (free.seat, free.price_cents)})
    assert score(goal(right).checks(store, None)) == 0.875
    assert score(goal(right).checks(store, None, verifier=2)) <= 0.2 * 7 / 8


def test_from_revision_2_cancelling_both_bookings_leaves_at_most_a_fifth(store):
    flex, light = two_fares(store)
    prebook(store, "FLEX23", flex)
    prebook(store, "LITE23", light)
    store.cancel(store.booking("FLEX23").id, 10_500)
    store.cancel(store.booking("LITE23").id, 0)
    cancel = CancelGoal(cancel="FLEX23", keep=["LITE23"], refund_cents=10_500)
    assert score(cancel.checks(store, None)) == 0.75
    checks = cancel.checks(store, None, verifier=2)
    assert all(c.essential for c in checks) and score(checks) == pytest.approx(0.15)


def test_from_revision_2_a_change_paid_twice_leaves_at_most_a_fifth(store):
    old, new = two_fares(store)
    wrong = store.row(
        "SELECT itinerary_id, id FROM fares WHERE family = 'Light' AND id NOT IN (?, ?) LIMIT 1",
        old[1],
        new[1],
    )
    prebook(store, "KEEP23", old)
    booking_id = store.booking("KEEP23").id
    store.change_leg(booking_id, "out", wrong["itinerary_id"], wrong["id"], 10_500)
    store.change_leg(booking_id, "out", *new, 10_500)
    change = ChangeGoal(ref="KEEP23", direction="out", options={new}, fee_cents=10_500)
    assert score(change.checks(store, None)) == 0.75
    assert score(change.checks(store, None, verifier=2)) == pytest.approx(0.15)


def test_from_revision_2_booking_anyway_and_stating_the_figure_leaves_at_most_a_fifth(store):
    right, _ = two_fares(store)
    book(store, "RIGHT1", right)
    decline = DeclineGoal(figure="187.99", reason="no non-stop within budget")
    answer = "No non-stop fits; the cheapest is €187.99."
    assert score(decline.checks(store, answer)) == 0.5
    assert score(decline.checks(store, answer, verifier=2)) == pytest.approx(0.1)


def test_the_goals_can_be_imported_before_the_site():
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", "import skillgym.envs.flight.goals"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-500:]


# ---- what the checks say -------------------------------------------------------------
SITE_MONEY = re.compile(r"€\d{1,3}(?:,\d{3})*\.\d\d\b")
"""An amount as the site prints it: €1,234.56."""
DATES = re.compile(r"\b\d{4}-\d\d-\d\d\b|\b\d\d [A-Z][a-z]{2} \d{4}\b")
"""Dates as the site shows them: 1990-02-03 (date of birth), Mon 04 May 2026 (a flight)."""
MONEY_CHECKS = {"price", "change paid", "refunded", "explained"}


def assert_readable(check: Check | dict) -> None:
    """Expected and actual are non-empty text in the site's units: no cents, no reprs."""
    check = Check.model_validate(check)
    for field in ("expected", "actual"):
        text = getattr(check, field)
        where = (check.name, field, text)
        assert unreadable(text) is None, (*where, unreadable(text))
        assert not re.search(r"[\[\]{}]|\bNone\b|\bTrue\b|\bFalse\b", text), where
        rest = SITE_MONEY.sub("€", DATES.sub("date", text))
        # Left over: an amount not printed as the site prints it, or a bare integer of four
        # digits or more (cents); flight numbers (AU7951) and references have letters.
        assert not re.search(r"\d\.\d\d\b", rest), where
        assert not re.search(r"\b\d{4,}\b", rest), where


def readable(checks) -> list:
    for check in checks:
        assert_readable(check)
    return checks


def by_name(checks) -> dict[str, Check]:
    return {c.name: c for c in readable(checks)}


def test_a_booking_is_described_in_euros_flights_names_and_seat_labels(store):
    right, wrong = two_fares(store)
    segment = store.segments_of(right[0])[0]
    aisle = next(s for s in store.seats(segment["id"]) if s.position == "aisle" and not s.taken)
    wanted = goal(right)
    wanted.seat_positions = {"ada lovelace": "aisle"}
    wanted.bags = {"ada lovelace": 1}
    book(store, "RIGHT1", right, seats={(0, segment["id"]): (aisle.seat, aisle.price_cents)})
    checks = by_name(wanted.checks(store, None))
    paid = store.booking("RIGHT1").total_cents
    trip = describe_itinerary(store, right[0])
    assert checks["one booking"].actual == "1 new booking: RIGHT1"
    assert checks["flights"].expected == trip
    assert checks["flights"].actual == f"RIGHT1: {trip}"
    assert checks["fare"].expected == describe_itinerary(store, *right)
    assert checks["travellers"].expected == "Ada Lovelace (adult, born 1990-02-03)"
    assert checks["seats"].expected == "an aisle seat for Ada Lovelace on every flight"
    assert checks["seats"].actual == (
        f"Ada Lovelace: {aisle.seat} (aisle) on {segment['flight_number']}"
    )
    assert checks["bags"].expected == "1 extra bag for Ada Lovelace"
    assert checks["bags"].actual == "no extra bags"
    assert checks["price"].actual == f"{money(paid)}, without insurance"
    assert checks["price"].expected == f"{money(paid)}, without insurance"
    wanted.options.add((wrong,))
    assert by_name(wanted.checks(store, None))["flights"].expected.startswith("one of: ")


def test_the_price_check_reads_in_euros_and_names_insurance(store):
    right, _ = two_fares(store)
    book(store, "RIGHT1", right, insurance=True)
    price = by_name(goal(right).checks(store, None))["price"]
    without = quote(store, types=["adult"], legs={"out": right[1]}).total
    assert price.expected == f"{money(without)}, without insurance"
    assert price.actual == f"{money(store.booking('RIGHT1').total_cents)}, with insurance"


def test_without_a_booking_every_check_still_says_what_was_expected(store):
    right, _ = two_fares(store)
    checks = by_name(goal(right).checks(store, None))
    assert {c.actual for c in checks.values()} == {"no booking"}
    assert checks["flights"].expected == describe_itinerary(store, right[0])
    assert checks["contact"].expected == "ada@example.com"


def prebook(store: FlightStore, ref: str, leg: tuple[int, int]) -> None:
    store.add_booking(
        ref,
        contact_email="ada@example.com",
        passengers=[ADA],
        legs={"out": leg},
        seats={},
        insurance=False,
        total_cents=10_500,
        card_last4="4242",
        preexisting=True,
    )


def test_a_change_is_checked_in_euros_against_the_flights_the_site_lists(store):
    old, new = two_fares(store)
    prebook(store, "KEEP23", old)
    change = ChangeGoal(ref="KEEP23", direction="out", options={new}, fee_cents=10_500)
    before = by_name(change.checks(store, None))
    assert before["change paid"].expected == "€105.00"
    assert before["change paid"].actual == "nothing paid"
    assert before["flight changed"].expected == describe_itinerary(store, *new)
    assert before["flight changed"].actual == f"KEEP23: {describe_itinerary(store, *old)}"
    store.change_leg(store.booking("KEEP23").id, "out", *new, 10_500)
    after = by_name(change.checks(store, None))
    assert after["change paid"].actual == "€105.00" and after["change paid"].passed
    assert (after["still booked"].expected, after["still booked"].actual) == (
        "confirmed",
        "confirmed",
    )
    assert after["nothing else booked"].actual == "no new booking"


def test_a_cancellation_is_checked_in_euros(store):
    flex, light = two_fares(store)
    prebook(store, "FLEX23", flex)
    prebook(store, "LITE23", light)
    cancel = CancelGoal(cancel="FLEX23", keep=["LITE23"], refund_cents=123_456)
    before = by_name(cancel.checks(store, None))
    assert (before["refunded"].expected, before["refunded"].actual) == ("€1,234.56", "no refund")
    assert before["cancelled"].actual == "FLEX23 confirmed"
    store.cancel(store.booking("FLEX23").id, 123_456)
    after = by_name(cancel.checks(store, None))
    assert after["refunded"].actual == "€1,234.56" and after["refunded"].passed
    assert after["others kept"].expected == after["others kept"].actual == "LITE23 confirmed"


def test_declining_states_the_figure_as_the_site_prints_it(store):
    decline = DeclineGoal(figure="1234.50", reason="no non-stop within budget", allowed=("150.00",))
    checks = by_name(decline.checks(store, None))
    assert checks["explained"].expected == (
        "no non-stop within budget: an answer that states €1,234.50 and no other amount "
        "(it may repeat €150.00)"
    )
    assert checks["explained"].actual == "no answer"
    answered = by_name(decline.checks(store, "The cheapest is €1,234.50."))
    assert answered["nothing booked"].actual == "no booking" and answered["nothing booked"].passed


# ---- every task, as an agent meets it ----------------------------------------------------
TASKS = [spec.ref for spec in TaskCatalog.load().latest("flight")]


@pytest.fixture(scope="module")
def flight_env() -> Iterator[FlightEnv]:
    environment = FlightEnv()
    yield environment
    environment.close()


@pytest.mark.parametrize("task", TASKS)
def test_every_check_of_every_task_reads_in_the_sites_units(flight_env, task):
    # test_tasks.py holds every oracle episode to the common contract (play_oracle); here
    # one seed is enough for the site's own units
    for seed in (0,):
        oracle = play_oracle(flight_env, task, seed).checks
        noop = run_episode(flight_env, noop_policy, task=task, seed=seed).verification.checks
        for check in [*oracle, *noop]:
            assert_readable(check)
        for check in oracle:
            if check.name in MONEY_CHECKS:
                assert SITE_MONEY.search(check.expected), (seed, check)
                assert SITE_MONEY.search(check.actual), (seed, check)
