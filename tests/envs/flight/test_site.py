"""The Aerolane site without a browser: its pages, forms, rules and what it stores."""

import json
import re
from datetime import timedelta

import pytest

from skillgym.envs.flight.pricing import BAG_CENTS
from skillgym.envs.flight.site import app
from skillgym.envs.flight.site.app import FlightSite
from skillgym.envs.flight.site.http import Request, Response
from skillgym.envs.flight.store import FlightStore

from .conftest import FIRST_DAY, TODAY


class Client:
    """Cookies kept between requests, as a browser would."""

    def __init__(self, site: FlightSite) -> None:
        self.site = site
        self.cookies: dict[str, str] = {"consent": "all"}

    def send(self, method: str, path: str, data: dict[str, str] | None = None) -> Response:
        path, _, query = path.partition("?")
        params = dict(p.split("=", 1) for p in query.split("&") if p)
        request = Request(
            method, path, params if method == "GET" else {}, data or {}, dict(self.cookies)
        )
        if method == "GET" and data:
            request.query.update(data)
        response = self.site.handle(request)
        self.cookies.update(response.cookies)
        return response

    def get(self, path: str, **query: str) -> Response:
        return self.send("GET", path, query)

    def post(self, path: str, **form: str) -> Response:
        return self.send("POST", path, form)


def text(response: Response) -> str:
    html = re.sub(r"<(script|style)>.*?</\1>", " ", response.body.decode(), flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


SEARCH = {
    "trip": "oneway",
    "from": "LHR",
    "to": "CDG",
    "depart": FIRST_DAY.isoformat(),
    "adults": "1",
    "children": "0",
    "infants": "0",
    "cabin": "economy",
}
ADA = {"p0_first": "Ada", "p0_last": "Lovelace", "p0_dob": "1990-02-03", "email": "ada@example.com"}
CARD = {
    "card_name": "Ada Lovelace",
    "card_number": "4242 4242 4242 4242",
    "card_expiry": "12/30",
    "card_cvc": "123",
    "terms": "1",
}


def search(client: Client, **changes: str) -> list[dict]:
    client.get("/results", **{**SEARCH, **changes})
    return json.loads(client.get("/api/search").body)


def choose_cheapest(client: Client) -> dict:
    offers = [o for o in search(client) if o["available"]]
    offer = min(offers, key=lambda o: o["from_cents"])
    fare = next(f for f in offer["fares"] if f["seats_left"] > 0)
    assert client.post("/select", leg="out", fare=str(fare["id"])).status == 200
    return fare


def test_the_cookie_banner_shows_until_the_visitor_chooses(site):
    client = Client(site)
    client.cookies.clear()
    assert "Cookie settings" in client.get("/").body.decode()
    client.cookies["consent"] = "essential"
    assert "Cookie settings" not in client.get("/").body.decode()


def test_every_visitor_gets_a_session_cookie(site):
    client = Client(site)
    client.get("/")
    assert len(client.cookies["sid"]) == 24


def test_a_search_without_a_date_says_what_is_missing(site):
    page = text(Client(site).get("/results", **{**SEARCH, "depart": ""}))
    assert "Departure date: choose a date with the date picker." in page


def test_a_search_with_more_infants_than_adults_is_refused(site):
    page = text(Client(site).get("/results", **{**SEARCH, "infants": "2"}))
    assert "no more infants than adults" in page


def test_a_search_in_the_past_is_refused(site):
    page = text(Client(site).get("/results", **{**SEARCH, "depart": "2026-04-01"}))
    assert "is in the past" in page


def test_airport_suggestions_match_codes_cities_and_names(site):
    client = Client(site)
    codes = lambda q: [a["code"] for a in json.loads(client.get("/api/airports", q=q).body)]  # noqa: E731
    assert codes("lond") == ["LHR", "LGW"]
    assert codes("CDG") == ["CDG"]
    assert codes("heath") == ["LHR"]
    assert codes("x") == []


def test_results_list_the_days_flights_with_fares_priced_for_the_party(site, store):
    client = Client(site)
    offers = search(client, adults="2", children="1")
    assert offers and all(o["departs"].startswith(FIRST_DAY.isoformat()) for o in offers)
    fare = store.row("SELECT * FROM fares WHERE id = ?", offers[0]["fares"][0]["id"])
    assert offers[0]["fares"][0]["total_cents"] == 2 * fare["adult_cents"] + fare["child_cents"]


def test_a_sold_out_fare_cannot_be_chosen(site, store):
    client = Client(site)
    offer = search(client)[0]
    store.db.execute("UPDATE fares SET seats_left = 0 WHERE id = ?", (offer["fares"][0]["id"],))
    client.post("/select", leg="out", fare=str(offer["fares"][0]["id"]))
    assert "out" not in store.cart(client.cookies["sid"])


def test_a_full_booking_is_stored_with_its_passengers_seat_bags_and_price(site, store):
    client = Client(site)
    fare = choose_cheapest(client)
    assert "Choose seats" in text(client.post("/passengers", **ADA))
    cart = store.cart(client.cookies["sid"])
    segment = store.segments_of(cart["out"][0])[0]
    seat = next(s for s in store.seats(segment["id"]) if not s.taken and s.cabin == "economy")
    client.post("/seats", flight=str(segment["id"]), passenger="0", seat=seat.seat)
    client.post("/extras", bags_0="2")
    page = client.post("/payment", **CARD)
    assert "Booking confirmed" in text(page)
    [booking] = store.bookings()
    assert booking.passengers[0].first_name == "Ada" and booking.passengers[0].bags == 2
    assert booking.seats == {(0, segment["id"]): seat.seat}
    assert booking.total_cents == fare["total_cents"] + seat.price_cents + 2 * BAG_CENTS
    assert booking.payments == [("booking", booking.total_cents)]


def test_a_post_answers_with_the_next_page_and_puts_its_url_in_the_address_bar(site):
    client = Client(site)
    choose_cheapest(client)
    page = client.post("/passengers", **ADA).body.decode()
    assert "history.replaceState(null, '', \"/seats\")" in page


def test_a_child_too_old_for_the_child_fare_is_refused(site, store):
    client = Client(site)
    client.get("/results", **{**SEARCH, "children": "1"})
    offers = json.loads(client.get("/api/search").body)
    fare = next(f for o in offers for f in o["fares"] if f["seats_left"] >= 2)
    client.post("/select", leg="out", fare=str(fare["id"]))
    page = text(
        client.post("/passengers", **ADA, p1_first="Tim", p1_last="Lovelace", p1_dob="2010-01-01")
    )
    assert "Child 1: born 2010-01-01 makes them 16" in page
    assert "passengers" not in store.cart(client.cookies["sid"])


def test_an_infant_born_after_today_is_told_so_not_that_they_are_too_old(site, store):
    client = Client(site)
    client.get("/results", **{**SEARCH, "infants": "1"})
    offers = json.loads(client.get("/api/search").body)
    fare = next(f for o in offers for f in o["fares"] if f["seats_left"] >= 1)
    client.post("/select", leg="out", fare=str(fare["id"]))
    born = (TODAY + timedelta(days=1)).isoformat()  # before travel, after the site's today
    page = text(client.post("/passengers", **ADA, p1_first="Lu", p1_last="Lovelace", p1_dob=born))
    assert (
        f"Infant 1: born {born} is after today ({TODAY}); a traveller must already be born" in page
    )
    assert "makes them" not in page


@pytest.mark.parametrize(
    ("card", "message"),
    [
        ({"card_number": "4000 0000 0000 0002"}, "Your card was declined"),
        ({"card_number": "5555 5555 5555 4444"}, "accepts test cards only"),
        ({"card_number": "4242 4242 4242 4241"}, "not a valid card number"),
        ({"card_expiry": "01/26"}, "this card has expired"),
        ({"card_expiry": "13/30"}, "enter it as MM/YY"),
        ({"card_cvc": "12"}, "Security code"),
        ({"terms": ""}, "Accept the fare rules"),
    ],
)
def test_a_bad_payment_is_refused_and_nothing_is_booked(site, store, card, message):
    client = Client(site)
    choose_cheapest(client)
    client.post("/passengers", **ADA)
    assert message in text(client.post("/payment", **{**CARD, **card}))
    assert store.bookings() == []


def test_a_failed_payment_says_the_security_code_and_terms_box_must_be_done_again(site, store):
    client = Client(site)
    choose_cheapest(client)
    client.post("/passengers", **ADA)
    page = client.post("/payment", **{**CARD, "card_number": "4000 0000 0000 0002"})
    html = page.body.decode()
    assert 'data-sg="card-cvc" value=""' in html and 'data-sg="terms">' in html
    assert (
        "For your security the security code was cleared and the terms box unticked: "
        "enter the security code again and tick the terms box before paying."
    ) in text(page)


def test_a_taken_seat_cannot_be_chosen(site, store):
    client = Client(site)
    choose_cheapest(client)
    client.post("/passengers", **ADA)
    cart = store.cart(client.cookies["sid"])
    segment = store.segments_of(cart["out"][0])[0]
    taken = next(s for s in store.seats(segment["id"]) if s.taken)
    client.post("/seats", flight=str(segment["id"]), passenger="0", seat=taken.seat)
    assert store.cart(client.cookies["sid"]).get("seats", {}) == {}


def book(client: Client, family: str) -> str:
    offers = [o for o in search(client) if o["available"]]
    for offer in offers:
        fare = next((f for f in offer["fares"] if f["family"] == family and f["seats_left"]), None)
        if fare:
            client.post("/select", leg="out", fare=str(fare["id"]))
            break
    client.post("/passengers", **ADA)
    page = text(client.post("/payment", **CARD))
    return re.search(r"Booking reference:\s+(\w{6})", page).group(1)


def test_manage_booking_needs_the_reference_and_a_travellers_last_name(site):
    client = Client(site)
    ref = book(client, "Classic")
    other = Client(site)
    assert "No booking matches" in text(other.post("/manage", ref=ref, last_name="Babbage"))
    assert f"Booking {ref}" in text(other.post("/manage", ref=ref.lower(), last_name="lovelace"))


def test_a_change_charges_the_fee_per_traveller_plus_the_fare_difference(site, store):
    client = Client(site)
    ref = book(client, "Classic")
    booking = store.booking(ref)
    old_it, old_fare = booking.legs["out"]
    new = store.row(
        "SELECT f.* FROM fares f JOIN itineraries i ON i.id = f.itinerary_id WHERE i.id != ? "
        "AND i.origin = 'LHR' AND i.destination = 'CDG' AND f.family = 'Classic' AND f.seats_left > 0",
        old_it,
    )
    before = store.row("SELECT * FROM fares WHERE id = ?", old_fare)
    client.post("/manage/change/confirm", ref=ref, dir="out", fare=str(new["id"]))
    changed = store.booking(ref)
    expected = before["change_fee_cents"] + max(0, new["adult_cents"] - before["adult_cents"])
    assert changed.legs["out"] == (new["itinerary_id"], new["id"])
    assert changed.payments[-1] == ("change", expected)


def test_a_light_fare_cannot_be_changed(site, store):
    client = Client(site)
    ref = book(client, "Light")
    page = text(client.get("/manage/change", ref=ref, dir="out"))
    assert "Light fares cannot be changed." in page


def test_cancelling_a_flex_booking_refunds_its_fare_and_a_light_one_nothing(site, store):
    client = Client(site)
    flex, light = book(client, "Flex"), book(client, "Light")
    page = text(client.post("/manage/cancel", ref=flex))  # the box is not ticked
    assert "Tick the box to confirm the cancellation." in page
    assert store.booking(flex).status == "confirmed"
    client.post("/manage/cancel", ref=flex, confirm="1")
    client.post("/manage/cancel", ref=light, confirm="1")
    assert store.booking(flex).payments[-1] == ("refund", store.booking(flex).total_cents)
    assert store.booking(light).payments[-1] == ("refund", 0)
    assert {b.status for b in store.bookings()} == {"cancelled"}


def test_a_change_and_a_cancellation_put_the_seats_back_on_sale(site, store):
    client = Client(site)
    ref = book(client, "Flex")
    booking = store.booking(ref)
    old_it, old_fare = booking.legs["out"]
    seats = lambda fare_id: store.row("SELECT seats_left FROM fares WHERE id = ?", fare_id)[0]  # noqa: E731
    before = seats(old_fare)
    new = store.row(
        "SELECT f.* FROM fares f JOIN itineraries i ON i.id = f.itinerary_id WHERE i.id != ? "
        "AND i.origin = 'LHR' AND i.destination = 'CDG' AND f.family = 'Flex' AND f.seats_left > 0",
        old_it,
    )
    new_before = new["seats_left"]
    client.post("/manage/change/confirm", ref=ref, dir="out", fare=str(new["id"]))
    assert store.booking(ref).legs["out"][1] == new["id"]
    assert (seats(old_fare), seats(new["id"])) == (before + 1, new_before - 1)
    client.post("/manage/cancel", ref=ref, confirm="1")
    assert seats(new["id"]) == new_before


@pytest.mark.parametrize(
    ("method", "path", "fields"),
    [
        ("POST", "/select", {"leg": "out", "fare": "99999999999999999999"}),
        ("GET", "/manage/change", {"dir": "out", "fare": "-99999999999999999999"}),
        ("POST", "/manage/change/confirm", {"dir": "out", "fare": "99999999999999999999"}),
    ],
)
def test_a_huge_number_in_a_request_is_no_such_choice_not_a_server_error(
    site, method, path, fields
):
    client = Client(site)
    ref = book(client, "Classic")
    search(client)
    response = client.send(method, path, {"ref": ref, **fields})
    assert response.status < 500, text(response)[:300]
    assert "went wrong" not in text(response)


def test_an_unknown_page_is_404_and_a_wrong_method_405(site):
    client = Client(site)
    assert client.get("/nowhere").status == 404
    assert client.send("DELETE", "/passengers").status == 405


def test_a_handler_that_fails_is_a_500_page_not_an_exception(site, monkeypatch):
    def broken(visit):
        raise RuntimeError("boom")

    monkeypatch.setitem(app.ROUTES, ("GET", "/manage"), broken)
    response = Client(site).get("/manage")
    assert response.status == 500 and b"boom" not in response.body


def test_a_malformed_cookie_header_is_ignored(site):
    from skillgym.envs.flight.site.http import parse_request

    request = parse_request(
        "GET", "https://aerolane.skillgym.test/", {"cookie": 'a="b; ;;\x00'}, None
    )
    assert site.handle(request).status == 200


def test_the_store_reads_back_every_booking_in_order(store: FlightStore):
    assert store.bookings() == []
