"""The flight goals read bookings from the database: right, wrong, extra and hedged ones."""

from skillgym.envs.flight.goals import BookGoal, DeclineGoal
from skillgym.envs.flight.pricing import quote
from skillgym.envs.flight.store import FlightStore, Passenger

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
